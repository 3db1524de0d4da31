/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78; initial value and final
/// XOR 0xFFFFFFFF), the checksum of iSCSI, ext4 and LevelDB's log: it detects every burst error
/// of up to 32 bits, and any language has it (`crc32c` in Python's `crc32c`, Go's
/// `crc32.MakeTable(crc32.Castagnoli)`). The check value of "123456789" is 0xE3069283.
///
/// Computed by slicing-by-8 (eight table lookups per 8 bytes), so checking a recording of
/// hundreds of megabytes is not what a seek waits for.
public enum CRC32C {
    /// The eight 256-entry tables of slicing-by-8; table 0 is the classic byte-at-a-time table.
    private static let tables: [[UInt32]] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[0][i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k][i] = (t[k - 1][i] >> 8) ^ t[0][Int(t[k - 1][i] & 0xff)] }
        }
        return t
    }()

    /// The CRC-32C of `bytes`, continuing from `crc` (the checksum of what came before; 0 to
    /// start): `checksum(b, continuing: checksum(a)) == checksum(a + b)`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        var i = 0
        let n = bytes.count
        tables.withUnsafeBufferPointer { t in
            let t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7]
            while i + 8 <= n {
                let lo = c ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                c = t7[Int(lo & 0xff)] ^ t6[Int(lo >> 8 & 0xff)] ^ t5[Int(lo >> 16 & 0xff)] ^ t4[Int(lo >> 24)]
                    ^ t3[Int(bytes[i + 4])] ^ t2[Int(bytes[i + 5])] ^ t1[Int(bytes[i + 6])] ^ t0[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t0[Int((c ^ UInt32(bytes[i])) & 0xff)]
                i += 1
            }
        }
        return ~c
    }

    /// The CRC-32C of an array's bytes (see `checksum(_:continuing:)`).
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
