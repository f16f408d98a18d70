import CQRencode

/// QR codes rendered as SVG, with libqrencode.
public enum QRCode {
    /// Error correction: how much of the code may be damaged and still read.
    public enum Correction: Sendable { case low, medium, quartile, high }

    /// The modules of the symbol for `text` (byte mode): `size` × `size` booleans, row by row, true = dark;
    /// nil when the text is too long for any version.
    public static func matrix(_ text: String, correction: Correction = .medium) -> (size: Int, dark: [Bool])? {
        let level: QRecLevel
        switch correction {
        case .low: level = QR_ECLEVEL_L
        case .medium: level = QR_ECLEVEL_M
        case .quartile: level = QR_ECLEVEL_Q
        case .high: level = QR_ECLEVEL_H
        }
        guard let code = QRcode_encodeString8bit(text, 0, level) else { return nil }
        defer { QRcode_free(code) }
        let size = Int(code.pointee.width)
        let data = code.pointee.data!
        var dark = [Bool](repeating: false, count: size * size)
        for i in 0..<(size * size) { dark[i] = data[i] & 1 == 1 }
        return (size, dark)
    }

    /// An SVG document of the code, with a quiet zone of four modules; one path, one unit per module, so it
    /// scales to any size without blur.
    public static func svg(_ text: String, correction: Correction = .medium, moduleSize: Int = 8) -> String? {
        guard let (size, dark) = matrix(text, correction: correction) else { return nil }
        let quiet = 4, total = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard dark[y * size + x] else { x += 1; continue }
                var run = 1
                while x + run < size && dark[y * size + x + run] { run += 1 }
                path += "M\(x + quiet) \(y + quiet)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let pixels = total * moduleSize
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(total)\" width=\"\(pixels)\" height=\"\(pixels)\" "
            + "shape-rendering=\"crispEdges\"><rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" d=\"\(path)\"/></svg>"
    }
}
