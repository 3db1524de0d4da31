#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The credit-scorer predictor's own prometheus_client metrics: what its inputs and its scores look
/// like. A KServe custom predictor that registers metrics with prometheus_client's default
/// registry has them on the same /metrics endpoint as KServe's, after KServe's own families, as:
///
///     RATIO = Histogram("model_input_feature_ratio", "...", ["model_name", "feature"], buckets=[0.1, 0.2, ..., 2.0])
///     USD = Histogram("model_input_feature_usd", "...", ["model_name", "feature"], buckets=[10000, ..., 500000])
///     SCORE = Histogram("model_prediction_score", "...", ["model_name"], buckets=[0.1, 0.2, ..., 1.0])
///
/// (prometheus_client gives every child of one histogram the same buckets, hence one family per
/// unit, with the feature as a label.) The predictor creates the children when the model loads, so
/// the series exist, at zero, before the first request. Every scored request observes each feature
/// and its score once.
///
/// The data-drift scenario: from 180 s to 520 s of each cycle the upstream bureau feed sends a new
/// schema in which `monthly_debt` also counts the minimum payments of revolving accounts (credit
/// cards), and the feature pipeline keeps computing `debt_to_income` as before, so the ratio
/// shifts up for the applicants who have such accounts (median about 0.31 -> 0.42; PSI between
/// 2-minute windows about 0.6). The scores follow a little. Nothing fails and nothing slows down:
/// only the distributions show it.
struct CreditFeatureMonitor: Sendable {
    static let ratioBuckets: [Double] = (1...20).map { Double($0) / 10 }  // 0.1 ... 2.0, each the closest double to its decimal
    static let usdBuckets: [Double] = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 75_000, 100_000,
                                       125_000, 150_000, 200_000, 300_000, 500_000]
    static let scoreBuckets: [Double] = (1...10).map { Double($0) / 10 }  // 0.1 ... 1.0

    /// The drift, as offsets in the 600 s cycle: the new upstream schema is live in [start, end).
    static let driftStartSecond: Int64 = 180
    static let driftEndSecond: Int64 = 520
    static let logger = "credit_scorer.features"

    var model: String
    var debtToIncome = Histogram(bounds: CreditFeatureMonitor.ratioBuckets)
    var creditUtilization = Histogram(bounds: CreditFeatureMonitor.ratioBuckets)
    var annualIncome = Histogram(bounds: CreditFeatureMonitor.usdBuckets)
    var score = Histogram(bounds: CreditFeatureMonitor.scoreBuckets)

    init(model: String) { self.model = model }

    /// True while the upstream schema change is live (the drift window of the cycle).
    static func drifting(atSecond second: Int64) -> Bool {
        let tc = Fleet.cycleSecond(second)
        return tc >= driftStartSecond && tc < driftEndSecond
    }

    /// A log record of the predictor's feature pipeline: time (µs since the demo start), level, message.
    typealias LogRecord = (elapsedMicros: Int64, level: String, message: String)

    /// Observes the features and scores of this second's `scored` requests (each request once, so
    /// the counts follow the traffic), and returns the feature pipeline's log records of the second
    /// (there are some only at the schema switches). `rng` is a stream of its own, so the rest of
    /// the server's simulation does not depend on it.
    mutating func step(second: Int64, scored: Int, rng: inout SplitMix64) -> [LogRecord] {
        let tc = Fleet.cycleSecond(second)
        let drift = CreditFeatureMonitor.drifting(atSecond: second)
        let t = Double(second)
        // A slow natural wobble of the applicant mix (a few percent), so healthy windows are not identical.
        let mix = 1 + 0.02 * sin(2 * Double.pi * t / 1_300 + 0.8)

        for w in weights(total: scored, parts: min(scored, 64)) {
            // debt_to_income: monthly debt payments over gross monthly income, as the pipeline computes it.
            var dti = rng.logNormal(median: 0.31 * mix, sigma: 0.38)
            if drift && rng.chance(0.85) {
                // The new schema's monthly_debt adds the revolving minimum payments (most applicants have some).
                dti += rng.logNormal(median: 0.11, sigma: 0.5)
            }
            dti = (min(dti, 3.5) * 10_000).rounded() / 10_000
            // credit_utilization: revolving balance over limit; a few accounts are over their limit.
            var util = 1 / (1 + exp(-(-0.85 + 1.05 * rng.gaussian())))
            if rng.chance(0.012) { util *= rng.uniform(1.0, 1.25) }
            util = (util * 10_000).rounded() / 10_000
            // annual_income in USD, as applicants state it (to the hundred).
            let income = (max(8_000, rng.logNormal(median: 62_000 / mix, sigma: 0.55)) / 100).rounded() * 100
            // The model: probability of default, rising with debt and utilization, falling with income.
            let z = -2.05 + 2.6 * (dti - 0.31) + 1.3 * (util - 0.3) - 0.55 * log(income / 62_000) + 0.55 * rng.gaussian()
            let p = 1 / (1 + exp(-z))

            debtToIncome.observe(dti, weight: w)
            creditUtilization.observe(util, weight: w)
            annualIncome.observe(income, weight: w)
            score.observe(p, weight: w)
        }

        let base = second * 1_000_000
        var records: [LogRecord] = []
        if tc == CreditFeatureMonitor.driftStartSecond {
            records.append((base + 212_480 + Int64(rng.int(0, 9_999)), "WARNING",
                "Upstream source 'bureau_tradelines' has a new schema version (2024-10-07 -> 2024-11-29): column 'monthly_debt' now includes minimum payments on revolving accounts; no mapping change is configured, debt_to_income is computed as before"))
            records.append((base + 640_115 + Int64(rng.int(0, 9_999)), "INFO",
                "Feature view 'credit_applicant_v7' refreshed from 'bureau_tradelines' (schema 2024-11-29): \(1_284_000 + rng.int(0, 999)) rows, 0 nulls, 0 validation errors"))
        }
        if tc == CreditFeatureMonitor.driftEndSecond {
            records.append((base + 198_771 + Int64(rng.int(0, 9_999)), "INFO",
                "Upstream source 'bureau_tradelines' is back on schema version 2024-10-07 (2024-11-29 withdrawn by the provider)"))
            records.append((base + 603_902 + Int64(rng.int(0, 9_999)), "INFO",
                "Feature view 'credit_applicant_v7' refreshed from 'bureau_tradelines' (schema 2024-10-07): \(1_284_000 + rng.int(0, 999)) rows, 0 nulls, 0 validation errors"))
        }
        return records
    }

    /// The predictor's families, in prometheus_client's exposition style.
    func write(into w: inout DemoExpositionWriter) {
        func labels(_ feature: String) -> [(String, String)] { [("model_name", model), ("feature", feature)] }
        w.family("model_input_feature_ratio", "histogram", "Input feature values that are ratios, as the predictor receives them")
        w.histogram("model_input_feature_ratio", labels("debt_to_income"), debtToIncome)
        w.histogram("model_input_feature_ratio", labels("credit_utilization"), creditUtilization)
        w.family("model_input_feature_usd", "histogram", "Input feature values in US dollars, as the predictor receives them")
        w.histogram("model_input_feature_usd", labels("annual_income"), annualIncome)
        w.family("model_prediction_score", "histogram", "Predicted probability of default")
        w.histogram("model_prediction_score", [("model_name", model)], score)
    }
}
