/// Prometheus alerting and recording rules. (Being written.)
public enum Alerting {}
