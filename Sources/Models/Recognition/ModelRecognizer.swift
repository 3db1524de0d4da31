import Telemetry

/// What the recognizer found in one job: the server kinds, their models with signals, and the
/// GPUs measured there.
public struct JobRecognition: Hashable, Sendable {
    public var job: String
    /// Every kind recognized in the job, `.dcgm` and `.custom` included.
    public var kinds: [ServerKind]
    /// The names of the `model_metrics:` mappings that applied.
    public var mappings: [String]
    public var models: [ModelSignals]
    /// The job's own GPUs (a DCGM exporter, or a server's GPU gauges), when it exports any.
    public var gpus: GPUSummary?
    /// What the kinds' metrics cannot give (versions, failures) and how they were read.
    public var notes: [String]
}

/// The GPUs a job exports metrics for.
public struct GPUSummary: Hashable, Sendable {
    /// Distinct GPUs (by `UUID`, `gpu_uuid` or `gpu` label).
    public var count: Int
    public var utilization: SignalValue
    public var memoryUsed: SignalValue
    public var memoryTotal: SignalValue
}

/// Finds the models a scrape target serves and reads their golden signals, by the documented
/// metric names of each server kind (and by the config's `model_metrics:` mappings).
public enum ModelRecognizer {
    /// The server kinds whose signature metrics this job exports (`.custom` when a mapping
    /// applies). Knative's queue-proxy folds into KServe when both are there.
    public static func kinds(in store: SeriesStore, job: String, mappings: [MetricMapping] = []) -> [ServerKind] {
        let has: (String) -> Bool = { name in !store.series(named: name) { $0["job"] == job }.isEmpty }
        var kinds = ServerKind.allCases.filter { kind in kind.signatures.contains(where: has) }
        if kinds.contains(.kserve) { kinds.removeAll { $0 == .knative } }
        if mappings.contains(where: { applies($0, store: store, job: job) }) { kinds.append(.custom) }
        return kinds
    }

    /// The golden signals of every model the job serves, evaluated at `at` over `window`.
    /// `freshness` is how recent a sample must be to count as present (about one scrape
    /// interval). `types` are the declared metric types when the caller has the parsed
    /// expositions (the store keeps none).
    public static func signals(in store: SeriesStore, job: String, at: Timestamp,
                               window: Milliseconds = .minutes(1), freshness: Milliseconds = .seconds(30),
                               mappings: [MetricMapping] = [], types: MetricTypes? = nil) -> [ModelSignals] {
        recognize(in: store, job: job, at: at, window: window, freshness: freshness, mappings: mappings, types: types).models
    }

    /// Everything found in the job: kinds, models with signals, GPUs, notes.
    public static func recognize(in store: SeriesStore, job: String, at: Timestamp,
                                 window: Milliseconds = .minutes(1), freshness: Milliseconds = .seconds(30),
                                 mappings: [MetricMapping] = [], types: MetricTypes? = nil) -> JobRecognition {
        var query = StoreQuery(store: store, job: job, at: at, window: window, freshness: freshness, types: types)
        (query.hosts, query.pods) = hostsAndPods(of: job, in: store)
        let facts = JobFacts(
            has: { name in !store.series(named: name) { $0["job"] == job }.isEmpty },
            labelValues: { name, label in Set(query.series(name).filter(query.isFresh).compactMap { $0.labels[label] }) })
        let kinds = self.kinds(in: store, job: job, mappings: mappings)

        // Mappings first: a mapping names what the operator means, and wins a name clash.
        var plans: [SignalPlan] = mappings.filter { applies($0, store: store, job: job) }.compactMap { $0.plan(job: job) }
        plans += kinds.compactMap { BuiltinPlans.plan(for: $0, facts: facts) }

        var models: [ModelSignals] = []
        var taken = Set<String>()
        var notes: [String] = []
        for plan in plans {
            let evaluator = PlanEvaluator(plan: plan, query: query)
            for name in evaluator.modelNames() where taken.insert(name).inserted {
                models.append(evaluator.signals(model: name))
            }
            let label = plan.mappingName.map { "mapping \($0)" } ?? plan.kind.rawValue
            if plan.versions == nil, !plan.versionsNotExported.isEmpty { notes.append("\(label): \(plan.versionsNotExported)") }
            notes += plan.notes.map { "\(label): \($0)" }
        }
        return JobRecognition(job: job, kinds: kinds,
                              mappings: mappings.filter { applies($0, store: store, job: job) }.map(\.name),
                              models: models, gpus: gpuSummary(query), notes: notes)
    }

    /// Whether a mapping applies to a job: its `match` labels agree with the job's, and its
    /// discovery metric has series there.
    static func applies(_ mapping: MetricMapping, store: SeriesStore, job: String) -> Bool {
        guard let metric = mapping.discoveryMetric else { return false }
        if let wanted = mapping.match["job"], wanted != job { return false }
        return !store.series(named: metric) { labels in
            labels["job"] == job && mapping.match.allSatisfy { labels[$0.key] == $0.value }
        }.isEmpty
    }

    /// The hosts and pods a job's targets run on (from `up` and every other series' `instance`
    /// and `pod` labels), to find same-host exporters.
    static func hostsAndPods(of job: String, in store: SeriesStore) -> (Set<String>, Set<String>) {
        var hosts = Set<String>(), pods = Set<String>()
        for name in ["up"] {
            for key in store.series(named: name, where: { $0["job"] == job }) {
                if let instance = key.labels["instance"] { hosts.insert(StoreQuery.host(ofInstance: instance)) }
                if let pod = key.labels["pod"] { pods.insert(pod) }
            }
        }
        if hosts.isEmpty {
            // Stores filled without `ingestScrape` have no `up`: any recognized metric will do.
            for name in ServerKind.allCases.flatMap(\.signatures) {
                for key in store.series(named: name, where: { $0["job"] == job }) {
                    if let instance = key.labels["instance"] { hosts.insert(StoreQuery.host(ofInstance: instance)) }
                    if let pod = key.labels["pod"] { pods.insert(pod) }
                }
            }
        }
        return (hosts, pods)
    }

    /// The job's own GPUs: DCGM gauges, else Triton's or TorchServe's.
    static func gpuSummary(_ query: StoreQuery) -> GPUSummary? {
        var problems: [SignalProblem] = []
        // Only the job's own series: no hosts, so same-host metrics of other jobs stay out.
        let own = StoreQuery(store: query.store, job: query.job, at: query.at, window: query.window,
                             freshness: query.freshness, types: query.types)
        func read(_ signal: SignalKind) -> SignalValue? {
            let candidates = BuiltinPlans.dcgmSaturation + BuiltinPlans.triton().saturation
                + (BuiltinPlans.torchserve(JobFacts(has: { _ in false }, labelValues: { _, _ in [] })).saturation)
            for plan in candidates where plan.signal == signal {
                if let (value, _) = own.saturation(plan, model: nil, problems: &problems) { return value }
            }
            return nil
        }
        let utilization = read(.gpuUtilization), used = read(.gpuMemoryUsed), total = read(.gpuMemoryTotal)
        guard utilization != nil || used != nil else { return nil }
        var ids = Set<String>()
        for name in ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "nv_gpu_utilization", "GPUUtilization"] {
            for key in query.series(name).filter(query.isFresh) {
                ids.insert(key.labels["UUID"] ?? key.labels["gpu_uuid"] ?? key.labels["gpu"] ?? key.labels["device_id"] ?? key.description)
            }
        }
        let missing = SignalValue.notExported("not exported")
        return GPUSummary(count: ids.count, utilization: utilization ?? missing, memoryUsed: used ?? missing,
                          memoryTotal: total ?? missing)
    }

    /// `churn-predictor-predictor-00007` → `00007`: Knative numbers revisions.
    public static func revisionNumber(_ revision: String) -> String {
        guard let dash = revision.lastIndex(of: "-") else { return revision }
        let suffix = revision[revision.index(after: dash)...]
        return suffix.allSatisfy(\.isNumber) && !suffix.isEmpty ? String(suffix) : revision
    }

    /// `iris_3` → `3`: Seldon Core 2 names a model's internal versions `<model>_<n>`.
    public static func suffixVersion(_ internalName: String) -> String {
        guard let underscore = internalName.lastIndex(of: "_") else { return internalName }
        let suffix = internalName[internalName.index(after: underscore)...]
        return suffix.allSatisfy(\.isNumber) && !suffix.isEmpty ? String(suffix) : internalName
    }
}
