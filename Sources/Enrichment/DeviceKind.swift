import ShortlinkCore

/// The device class of a parsed user agent. uap-core names devices, systems and browsers but not classes; the
/// rules here follow the conventions of the widely used Python `user-agents` package (so that shortlink's
/// numbers agree with what analysts get from it), checked in this order: bot, tablet, mobile, desktop, other.
enum DeviceKind {
    /// Devices that are tablets whatever else the string says.
    static let tabletDevices: Set = ["iPad", "Kindle", "Kindle Fire", "Kindle Fire HD", "Galaxy Tab", "Xoom", "Dell Streak",
                                     "BlackBerry Playbook", "Blackberry Playbook"]
    /// Devices that are phones (or handhelds) whatever else the string says.
    static let phoneDevices: Set = ["iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone", "PlayStation Vita", "iOS-Device"]
    /// Browsers made only for phones.
    static let phoneBrowsers: Set = ["IE Mobile", "Opera Mobile", "Opera Mini", "Chrome Mobile", "Chrome Mobile WebView", "Chrome Mobile iOS"]
    /// Operating systems of phones and handhelds.
    static let phoneSystems: Set = ["Windows Phone", "Windows Phone OS", "Symbian OS", "Bada", "Windows CE", "Windows Mobile", "Maemo"]
    /// Old desktop systems uap-core names without "Windows NT".
    static let desktopSystems: Set = ["Windows 95", "Windows 98", "Solaris"]

    /// The class of `ua` parsed as `p`; `listedCrawler`: the string is on the crawler list.
    static func of(_ ua: String, _ p: UAPCore.Parsed, listedCrawler: Bool) -> UserAgentInfo.Device {
        if listedCrawler || p.device == "Spider" { return .bot }
        if isTablet(ua, p) { return .tablet }
        if isPhone(ua, p) { return .mobile }
        if isDesktop(ua, p) { return .desktop }
        return .other
    }

    private static func isTablet(_ ua: String, _ p: UAPCore.Parsed) -> Bool {
        if tabletDevices.contains(p.device) { return true }
        switch p.os {
        // Android phones' browsers say "Mobile Safari" (Firefox says "Mobile" in its own way); tablets do not.
        case "Android": return !ua.contains("Mobile Safari") && p.agent != "Firefox Mobile"
        case "Windows": return p.osMajor.hasPrefix("RT")  // Windows RT on ARM tablets
        case "Firefox OS": return !p.agent.contains("Mobile")
        default: return false
        }
    }

    private static func isPhone(_ ua: String, _ p: UAPCore.Parsed) -> Bool {
        if phoneDevices.contains(p.device) || phoneBrowsers.contains(p.agent) || phoneSystems.contains(p.os) { return true }
        if p.os == "Android" || p.os == "Firefox OS" { return true }  // not a tablet, checked first
        if p.os == "BlackBerry OS" { return p.device != "Blackberry Playbook" }
        // Java ME handsets, iPhones uap-core does not name, Nokia's own browser.
        return ua.contains("J2ME") || ua.contains("MIDP") || ua.contains("iPhone;")
            || (ua.contains("NokiaBrowser") && ua.contains("Mobile"))
    }

    private static func isDesktop(_ ua: String, _ p: UAPCore.Parsed) -> Bool {
        if ua.contains("Windows NT") || desktopSystems.contains(p.os) || (p.os == "Windows" && p.osMajor == "ME") { return true }
        if p.os == "Mac OS X" { return !ua.contains("Silk") }  // Amazon's Silk claims a Mac in desktop mode
        if ua.contains("Maemo") { return false }  // a handheld that says Linux and X11
        return p.os.contains("Chrome OS") || (ua.contains("Linux") && ua.contains("X11"))
    }
}
