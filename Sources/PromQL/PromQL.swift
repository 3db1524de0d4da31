/// The PromQL engine: parser and evaluator over `Telemetry.SeriesStore`. (Being written.)
public enum PromQL {}
