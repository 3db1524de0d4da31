/// Makes untrusted text safe to draw. PLACEHOLDER: to be replaced by the full implementation.
public enum Sanitizer {
    public static func visible(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            if u.value < 0x20 { out += "^" + String(UnicodeScalar(u.value + 0x40)!) }
            else if u.value == 0x7F { out += "^?" }
            else if (0x80..<0xA0).contains(u.value) { out += "<U+\(String(u.value, radix: 16, uppercase: true))>" }
            else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
