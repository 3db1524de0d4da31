import Telemetry
import Testing

/// The postings index answers equality selections exactly as a scan would, also after series
/// are dropped by retention.
@Suite struct StorePostingsTests {
    @Test func postingsAgreeWithAScan() {
        var store = SeriesStore(retention: .minutes(10))
        for i in 0..<600 {
            let labels = Labels(["model": "m\(i % 7)", "code": "\(200 + (i % 5))", "instance": "i\(i % 11)"])
            // Half the series stop early so that expiry drops them.
            let last: Int64 = i % 2 == 0 ? 60 : 5
            for t in stride(from: Int64(0), through: last, by: 5) {
                store.append(SeriesKey(name: i % 3 == 0 ? "a" : "b", labels: labels), Point(t: Timestamp(milliseconds: t * 60_000), v: 1))
            }
        }
        store.expire(before: Timestamp(milliseconds: 60 * 60_000))
        let queries: [[(name: String, value: String)]] = [
            [("model", "m3")], [("model", "m3"), ("code", "202")], [("instance", "i4"), ("code", "204"), ("model", "m1")],
            [("model", "nope")], [("missing", "x")], [("model", "")],
        ]
        for name in ["a", "b", "c"] {
            for equal in queries {
                let scan = store.series(named: name) { l in equal.allSatisfy { (l[$0.name] ?? "") == $0.value } }
                let indexed = store.series(named: name, equal: equal) { l in equal.allSatisfy { (l[$0.name] ?? "") == $0.value } }
                #expect(indexed == scan, "\(name) \(equal)")
            }
        }
        #expect(!store.series(named: "a", equal: [("model", "m3")]) { _ in true }.isEmpty)
    }
}
