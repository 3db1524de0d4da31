import Telemetry

/// Reads one plan's models from the store: their versions, golden signals, per-version
/// signals and problems.
struct PlanEvaluator {
    let plan: SignalPlan
    let query: StoreQuery

    /// The models the plan finds in the job, sorted.
    func modelNames() -> [String] {
        let keys = query.series(plan.models, model: nil)
        if let fixed = plan.fixedModelName { return keys.isEmpty ? [] : [fixed] }
        guard let label = plan.models.modelLabel else { return [] }
        return Set(keys.compactMap { $0.labels[label] }).sorted()
    }

    func signals(model: String) -> ModelSignals {
        var problems: [SignalProblem] = []
        var s = ModelSignals(key: ModelKey(job: query.job, name: model), kind: plan.kind)
        s.mapping = plan.mappingName
        if let versionsRef = plan.versions {
            s.versions = Set(query.series(versionsRef, model: model).compactMap { versionsRef.version(of: $0.labels) }).sorted()
        }
        let flapping = flappingVersions(model: model, problems: &problems)

        let golden = read(model: model, version: nil, problems: &problems)
        s.traffic = golden.traffic
        s.errors = golden.errors
        s.errorCauses = golden.causes
        s.latency = golden.latency
        s.sources = golden.sources
        if let queuePlan = plan.queueTime {
            s.latency.queueTime = query.meanFromCounters(queuePlan, model: model, signal: .queueTime, problems: &problems)
            s.sources[.queueTime] = "\(queuePlan.sum.name) / \(queuePlan.count.map(\.name).joined(separator: " + ")) (\(Self.unit(queuePlan.scale)), a mean)"
        } else {
            s.latency.queueTime = .notExported("\(kindName) exports no queue time")
        }
        readSaturation(model: model, into: &s, problems: &problems)
        s.byVersion = versionSignals(model: model, versions: s.versions, whole: s, flapping: flapping)
        var seen = Set<SignalProblem>()
        s.problems = problems.filter { seen.insert($0).inserted }
        return s
    }

    var kindName: String { plan.mappingName.map { "mapping \($0)" } ?? plan.kind.rawValue }

    // MARK: Traffic, errors, latency

    struct Golden {
        var traffic: SignalValue
        var errors: SignalValue
        var causes: [ErrorCause]
        var latency: LatencySignals
        var sources: [SignalKind: String]
    }

    /// Traffic, errors and latency of a model, or of one of its versions.
    func read(model: String, version: String?, problems: inout [SignalProblem]) -> Golden {
        var sources: [SignalKind: String] = [:]
        let traffic: SignalValue
        switch plan.traffic {
        case .counters(let refs):
            traffic = versionless(refs, version) ?? query.counterRate(refs, model: model, version: version, signal: .traffic, problems: &problems)
            sources[.traffic] = refs.map(\.name).joined(separator: " + ")
        case .notExported(let why):
            traffic = .notExported(why)
        }
        let (errors, causes, errorSource) = readErrors(model: model, version: version, traffic: traffic, problems: &problems)
        sources[.errors] = errorSource
        let (latency, latencySources) = readLatency(model: model, version: version, problems: &problems)
        sources.merge(latencySources) { a, _ in a }
        return Golden(traffic: traffic, errors: errors, causes: causes, latency: latency, sources: sources)
    }

    /// When reading one version, the reason a metric without a version label cannot be split.
    func versionless(_ refs: [MetricRef], _ version: String?) -> SignalValue? {
        guard version != nil, let ref = refs.first(where: { $0.versionLabel == nil }) else { return nil }
        return .unavailable("\(ref.name) is not labelled by version")
    }

    func readErrors(model: String, version: String?, traffic: SignalValue,
                    problems: inout [SignalProblem]) -> (SignalValue, [ErrorCause], String?) {
        let window = StoreQuery.describe(query.window)
        switch plan.errors {
        case .notExported(let why):
            return (.notExported(why), [], nil)

        case .failures(let refs, let causeLabel, let total):
            let names = refs.map(\.name).joined(separator: " + ")
            var source = names + (causeLabel.map { " by \($0)" } ?? "")
            if let total { source += " / (" + total.map(\.name).joined(separator: " + ") + ")" }
            if let split = versionless(refs + (total ?? []), version) { return (split, [], source) }
            let denominator = total.map { query.counterRate($0, model: model, version: version, signal: .errors, problems: &problems) } ?? traffic
            guard let all = denominator.value else { return (denominator, [], source) }
            var failed = query.counterRate(refs, model: model, version: version, signal: .errors, problems: &problems)
            if case .unavailable(let reason) = failed, reason.hasPrefix("no fresh") {
                // A labelled counter appears with its first increment. When the exposition
                // declares the family, its absence is a count of zero; otherwise it may simply
                // not be exported.
                if refs.contains(where: { query.types?.type(ofSample: $0.name) != nil }) {
                    failed = .value(0)
                } else {
                    return (.unavailable("no \(names) series: nothing failed yet, or the counter is not exported"), [], source)
                }
            }
            guard let f = failed.value else { return (failed, [], source) }
            guard all > 0 else { return (.unavailable("no requests in the last \(window)"), [], source) }
            if f > all * 1.0001 {
                let message = "counts more failed requests (\(StoreQuery.number(f))/s) than requests (\(StoreQuery.number(all))/s)"
                problems.append(SignalProblem(signal: .errors, metric: names, message: message))
                return (.unavailable("\(names) \(message)"), [], source)
            }
            var byCause: [String: Double] = [:]
            for series in query.seriesRates(refs, model: model, version: version) {
                let cause = causeLabel.flatMap { series.labels[$0] } ?? (refs.count > 1 || total != nil ? series.ref.name : "failed")
                byCause[cause, default: 0] += series.rate
            }
            return (.value(f / all), causes(byCause, total: all), source)

        case .statusLabel(let ref, let label, let isError, let describe):
            let source = "\(ref.name) with \(label) \(describe)"
            if let split = versionless([ref], version) { return (split, [], source) }
            let all = query.counterRate([ref], model: model, version: version, signal: .errors, problems: &problems)
            guard let total = all.value else { return (all, [], source) }
            guard total > 0 else { return (.unavailable("no requests in the last \(window)"), [], source) }
            var byCause: [String: Double] = [:]
            for series in query.seriesRates([ref], model: model, version: version, where: { isError($0[label] ?? "") }) {
                byCause[series.labels[label] ?? "", default: 0] += series.rate
            }
            let failed = byCause.values.reduce(0, +)
            return (.value(min(1, failed / total)), causes(byCause, total: total), source)
        }
    }

    func causes(_ byCause: [String: Double], total: Double) -> [ErrorCause] {
        byCause.filter { $0.value > 0 }
            .map { ErrorCause(cause: $0.key, perSecond: $0.value, share: $0.value / total) }
            .sorted { ($0.perSecond, $1.cause) > ($1.perSecond, $0.cause) }
    }

    func readLatency(model: String, version: String?,
                     problems: inout [SignalProblem]) -> (LatencySignals, [SignalKind: String]) {
        var sources: [SignalKind: String] = [:]
        let quantiles: [SignalKind] = [.latencyP50, .latencyP95, .latencyP99]
        for way in plan.latency {
            switch way {
            case .notExported(let why):
                let none = SignalValue.notExported(why)
                return (LatencySignals(p50: none, p95: none, p99: none, mean: none, queueTime: none), [:])
            case .histogram(let ref, let scale):
                guard present(ref, alsoPlain: true, suffix: "_bucket", model: model) else { continue }
                if let split = versionless([ref], version) {
                    return (LatencySignals(p50: split, p95: split, p99: split, mean: split), sources)
                }
                let latency = query.histogramLatency(ref, scale: scale, model: model, version: version, problems: &problems)
                for kind in quantiles { sources[kind] = "\(ref.name)_bucket (histogram, \(Self.unit(scale)))" }
                sources[.latencyMean] = "\(ref.name)_sum / \(ref.name)_count (\(Self.unit(scale)))"
                return (latency, sources)
            case .summary(let ref, let scale):
                guard present(ref, alsoPlain: false, suffix: "", model: model)
                    || present(ref, alsoPlain: false, suffix: "_count", model: model) else { continue }
                if let split = versionless([ref], version) {
                    return (LatencySignals(p50: split, p95: split, p99: split, mean: split), sources)
                }
                let latency: LatencySignals
                let series = query.series(ref, model: model, version: version)
                if series.isEmpty {
                    // A summary without quantiles (prometheus_client's default): only the mean.
                    let none = SignalValue.notExported("\(ref.name) is a summary without quantiles")
                    let mean = MeanPlan(sum: ref.renamed(ref.name + "_sum"), count: [ref.renamed(ref.name + "_count")], scale: scale)
                    latency = LatencySignals(p50: none, p95: none, p99: none,
                                             mean: query.meanFromCounters(mean, model: model, version: version, signal: .latencyMean, problems: &problems))
                } else {
                    latency = query.summaryLatency(ref, scale: scale, model: model, version: version, problems: &problems)
                    let worst = Set(series.map { $0.labels.removing("quantile") }).count > 1 ? ", the worst series" : ""
                    for kind in quantiles { sources[kind] = "\(ref.name){quantile} (summary, \(Self.unit(scale))\(worst))" }
                }
                sources[.latencyMean] = "\(ref.name)_sum / \(ref.name)_count (\(Self.unit(scale)))"
                return (latency, sources)
            case .mean(let mean):
                guard present(mean.sum, alsoPlain: false, suffix: "", model: model) else { continue }
                if let split = versionless([mean.sum] + mean.count, version) {
                    return (LatencySignals(p50: split, p95: split, p99: split, mean: split), sources)
                }
                let value = query.meanFromCounters(mean, model: model, version: version, signal: .latencyMean, problems: &problems)
                let none = SignalValue.notExported("\(kindName) exports only cumulative duration counters: a mean, no quantiles")
                sources[.latencyMean] = "\(mean.sum.name) / \(mean.count.map(\.name).joined(separator: " + ")) (\(Self.unit(mean.scale)), a mean)"
                return (LatencySignals(p50: none, p95: none, p99: none, mean: value), sources)
            }
        }
        let probes = plan.latency.compactMap(\.probe).joined(separator: " or ")
        let none = SignalValue.unavailable("no fresh \(probes) series")
        return (LatencySignals(p50: none, p95: none, p99: none, mean: none), sources)
    }

    /// Whether the model has fresh series of `ref` (with `suffix`), or of its plain name.
    func present(_ ref: MetricRef, alsoPlain: Bool, suffix: String, model: String) -> Bool {
        !query.series(ref.renamed(ref.name + suffix), model: model).isEmpty
            || (alsoPlain && !query.series(ref, model: model).isEmpty)
    }

    static func unit(_ scale: Double) -> String {
        switch scale {
        case 1: return "s"
        case 1e-3: return "ms"
        case 1e-6: return "µs"
        case 1e-9: return "ns"
        default: return "×\(scale) s"
        }
    }

    // MARK: Saturation

    func readSaturation(model: String, into s: inout ModelSignals, problems: inout [SignalProblem]) {
        func read(_ signal: SignalKind) -> SignalValue {
            let own = plan.saturationPlan(for: signal)
            let dcgm = BuiltinPlans.dcgmSaturation.first { $0.signal == signal }
            for candidate in [own, dcgm].compactMap({ $0 }) {
                if let (value, source) = query.saturation(candidate, model: model, problems: &problems) {
                    s.sources[signal] = source
                    return value
                }
            }
            if let own {
                let names = own.sources.flatMap(\.refs).map(\.name).joined(separator: " or ")
                return .unavailable("no fresh \(names) series")
            }
            switch signal {
            case .gpuUtilization, .gpuMemoryUsed, .gpuMemoryTotal:
                return .notExported("\(kindName) exports no GPU metrics, and no DCGM exporter on the same host was scraped")
            case .inFlight:
                return .notExported("\(kindName) exports no count of requests in flight")
            default:
                return .notExported("\(kindName) exports no \(signal)")
            }
        }
        s.saturationSignals = SaturationSignals(
            queueDepth: read(.queueDepth), inFlight: read(.inFlight), gpuUtilization: read(.gpuUtilization),
            gpuMemoryUsed: read(.gpuMemoryUsed), gpuMemoryTotal: read(.gpuMemoryTotal), kvCacheUsage: read(.kvCacheUsage))
    }

    // MARK: Versions

    /// A version label flaps when some version appears or vanishes three or more times within
    /// the window: a deploy changes it once, a rollback twice. Returns the problem's text.
    func flappingVersions(model: String, problems: inout [SignalProblem]) -> String? {
        guard let ref = plan.versions, let label = ref.versionLabel else { return nil }
        let toggles = query.versionToggles(ref, model: model).filter { $0.value >= 3 }
        guard !toggles.isEmpty else { return nil }
        let list = toggles.keys.sorted().joined(separator: ", ")
        let most = toggles.values.max()!
        let message = "the \(label) label flaps: \(list) appeared or vanished up to \(most) times in \(StoreQuery.describe(query.window))"
        problems.append(SignalProblem(signal: nil, metric: ref.name, message: message))
        return message
    }

    func versionSignals(model: String, versions: [String], whole: ModelSignals, flapping: String?) -> [VersionSignals] {
        if let flapping {
            let no = SignalValue.unavailable(flapping)
            return versions.map {
                VersionSignals(version: $0, traffic: no, trafficShare: no, errors: no,
                               latency: LatencySignals(p50: no, p95: no, p99: no, mean: no, queueTime: no))
            }
        }
        if versions.count == 1 {
            let share: SignalValue = whole.traffic.isValue ? .value(1) : whole.traffic
            return [VersionSignals(version: versions[0], traffic: whole.traffic, trafficShare: share,
                                   errors: whole.errors, latency: whole.latency)]
        }
        // Problems were recorded by the model-wide read; a version's read finds the same ones.
        var scratch: [SignalProblem] = []
        let reads = versions.map { (version: $0, golden: read(model: model, version: $0, problems: &scratch)) }
        let total = reads.compactMap { $0.golden.traffic.value }.reduce(0, +)
        return reads.map { r in
            let share: SignalValue
            if let t = r.golden.traffic.value {
                share = total > 0 ? .value(t / total) : .unavailable("no requests in the last \(StoreQuery.describe(query.window))")
            } else {
                share = r.golden.traffic
            }
            var latency = r.golden.latency
            latency.queueTime = .notExported("queue time is read per model")
            return VersionSignals(version: r.version, traffic: r.golden.traffic, trafficShare: share,
                                  errors: r.golden.errors, latency: latency)
        }
    }
}
