// PCRE2's API names its functions by code unit width through macros Swift cannot import; the 8-bit
// functions (`pcre2_compile_8`, ...) are called by their full names.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
