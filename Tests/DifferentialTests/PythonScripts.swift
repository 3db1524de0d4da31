/// The Python program behind `PrometheusClientWriterTests`: it builds one `CollectorRegistry`
/// with prometheus_client (counters, gauges, histograms, summaries, Info, Enum, and a custom
/// collector for timestamps, summary quantiles, a gauge histogram, an unknown-typed family and
/// huge counters), with hostile label values (quotes, backslashes, newlines, tabs, CR, CJK, emoji)
/// and special values (NaN, ±Inf, the largest and smallest doubles, -0), and prints one JSON
/// object: the 0.0.4 exposition (`generate_latest`), the OpenMetrics one
/// (`openmetrics.exposition.generate_latest`), and for each format exactly what it wrote: the
/// families (name, type, help, unit, sample count) and every sample (name, labels, value as a
/// `float.hex()` string so that NaN and ±Inf survive, timestamp in milliseconds).
///
/// It is kept inline (not as a file in the test target) so that SwiftPM has no unhandled
/// resource to warn about; `swift test` writes it to a temporary file and runs `python3` on it.
/// To run it by hand: copy the text between the delimiters into `writer.py`.
let prometheusClientWriterScript = #"""
# Writes one registry with prometheus_client in both text formats and dumps, as JSON, exactly
# what it wrote: the expositions, and per format the families and samples (values as hex floats).
import json, math, sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, Info, Enum
from prometheus_client.core import (GaugeMetricFamily, CounterMetricFamily, GaugeHistogramMetricFamily,
                                    UnknownMetricFamily, Metric)
from prometheus_client.exposition import generate_latest as generate_text
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

r = CollectorRegistry()
HOSTILE = [
    'plain', 'say "hi"', 'C:\\dir\\file', 'line1\nline2', 'trailing\\', '"', '\\', '\n',
    '東京', 'emoji 🙂🚀', 'mixed "東京"\\\n🙂', 'tab\there', 'carriage\rreturn', '', ' spaces ',
    'a,b=c}{', '# not a comment',
]
c = Counter('requests', 'Requests with "quotes", a \\ backslash\nand a newline, 東京 🙂',
            ['path', 'code'], registry=r)
for i, v in enumerate(HOSTILE):
    c.labels(path=v, code=str(200 + i)).inc(i * 1.5 + 0.25)
c.labels(path='exemplar', code='200').inc(3, exemplar={'trace_id': 'abc123'})

g = Gauge('temperature', 'Special values', ['kind'], registry=r)
SPECIAL = {
    'nan': math.nan, 'pos_inf': math.inf, 'neg_inf': -math.inf, 'max': sys.float_info.max,
    'min_normal': sys.float_info.min, 'min_subnormal': 5e-324, 'neg_zero': -0.0, 'zero': 0.0,
    'big_int': 2.0 ** 53 + 2, 'tenth': 0.1, 'third': 1 / 3, 'neg_large': -1.2345678901234567e+300,
    'million': 1234567.0, 'tiny_neg': -2.5e-310, 'pi': math.pi,
}
for k, v in SPECIAL.items():
    g.labels(kind=k).set(v)

h = Histogram('latency_seconds', 'Latency', ['model'],
              buckets=[1e-10, 0.005, 0.1, 1, 2.5, 123456789.0, math.inf], registry=r)
for m in ['fraud-detector', '東京-モデル', 'q"uote']:
    for x in [1e-12, 0.003, 0.05, 0.5, 2, 1e6, 1e9]:
        h.labels(model=m).observe(x)
h.labels(model='exemplar').observe(0.07, exemplar={'trace_id': 'def456'})

s = Summary('payload_bytes', 'Payload sizes', ['route'], registry=r)
for v in ['/a', '/b\\c']:
    s.labels(route=v).observe(1024)
    s.labels(route=v).observe(0.5)

i = Info('build', 'Build information', registry=r)
i.info({'version': '1.2.3', 'commit': 'abc"def', 'branch': 'feat/東京\n🙂'})
e = Enum('phase', 'Rollout phase', ['model'], states=['canary', 'full', 'rolled back'], registry=r)
e.labels(model='fraud-detector').state('canary')
e.labels(model='credit\\scorer').state('rolled back')
Gauge('disk_usage', 'Disk usage', unit='bytes', registry=r).set(1e12)

class Custom:
    """Families a plain metric object cannot express: timestamps, summary quantiles,
    gauge histograms, unknown."""
    def collect(self):
        t = GaugeMetricFamily('with_timestamps', 'Samples with timestamps', labels=['at'])
        t.add_metric(['half'], 1.0, timestamp=1700000000.5)
        t.add_metric(['whole'], 2.0, timestamp=1700000001)
        t.add_metric(['zero'], 3.0, timestamp=0)
        yield t
        q = Metric('rpc_seconds', 'Summary with quantiles', 'summary')
        for quantile, value in [('0.5', 0.01), ('0.9', 0.05), ('0.99', math.nan)]:
            q.add_sample('rpc_seconds', {'quantile': quantile, 'service': 'api'}, value)
        q.add_sample('rpc_seconds_sum', {'service': 'api'}, 12.5)
        q.add_sample('rpc_seconds_count', {'service': 'api'}, 400)
        yield q
        gh = GaugeHistogramMetricFamily('queue_depth', 'Gauge histogram',
                                        buckets=[('1', 4), ('10', 6), ('+Inf', 7)], gsum_value=30)
        yield gh
        u = UnknownMetricFamily('mystery', 'Unknown type', labels=['x'])
        u.add_metric(['y'], 42)
        yield u
        big = CounterMetricFamily('huge', 'A counter of huge values', labels=['n'])
        big.add_metric(['1'], 1e22)
        big.add_metric(['2'], 2.0 ** 63)
        yield big

r.register(Custom())

def hexfloat(v):
    return float(v).hex()

def dump(fmt):
    families, samples = [], []
    for metric in r.collect():
        name, mtype = metric.name, metric.type
        extra = {}
        if fmt == 'text':
            # The 0.0.4 writer's munging (prometheus_client.exposition.generate_latest).
            if mtype == 'counter': name += '_total'
            elif mtype == 'info': name, mtype = name + '_info', 'gauge'
            elif mtype == 'stateset': mtype = 'gauge'
            elif mtype == 'gaugehistogram': mtype = 'histogram'
            elif mtype == 'unknown': mtype = 'untyped'
        unit = (metric.unit or None) if fmt == 'openmetrics' else None
        main = {'name': name, 'type': mtype, 'help': metric.documentation, 'unit': unit, 'samples': 0}
        families.append(main)
        for smp in metric.samples:
            ts = None
            if smp.timestamp is not None:
                ts = int(float(smp.timestamp) * 1000)
            samples.append({'name': smp.name, 'labels': dict(smp.labels), 'value': hexfloat(smp.value),
                            'repr': repr(smp.value), 'timestamp_ms': ts})
            suffix = next((x for x in ['_created', '_gsum', '_gcount'] if smp.name == metric.name + x), None)
            if fmt == 'text' and suffix:
                key = metric.name + suffix
                if key not in extra:
                    extra[key] = {'name': key, 'type': 'gauge', 'help': metric.documentation, 'unit': None, 'samples': 0}
                extra[key]['samples'] += 1
            else:
                main['samples'] += 1
        families.extend(v for _, v in sorted(extra.items()))
    return {'families': [f for f in families if f['samples'] > 0], 'samples': samples}

print(json.dumps({
    'text': generate_text(r).decode('utf-8'),
    'openmetrics': generate_openmetrics(r).decode('utf-8'),
    'expected_text': dump('text'),
    'expected_openmetrics': dump('openmetrics'),
}, ensure_ascii=True))
"""#

/// Counts what prometheus_client's own parsers read from an exposition file:
/// `python3 - FILE text|openmetrics` prints `{"families": N, "samples": M}`.
let prometheusClientCountScript = #"""
import json, sys
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
with open(sys.argv[1], encoding='utf-8') as f:
    text = f.read()
parse = parse_openmetrics if sys.argv[2] == 'openmetrics' else parse_text
families = list(parse(text))
print(json.dumps({'families': len(families), 'samples': sum(len(f.samples) for f in families)}))
"""#

/// A real prometheus_client HTTP target: `python3 - PORT SECONDS` serves the default registry
/// (process, platform and GC collectors) plus a few metrics of its own on 127.0.0.1:PORT, with
/// content negotiation (0.0.4 or OpenMetrics by the Accept header), and exits by itself after
/// SECONDS.
let prometheusClientServerScript = #"""
import math, sys, time
from prometheus_client import start_http_server, Counter, Gauge, Histogram, Summary
port, lifetime = int(sys.argv[1]), float(sys.argv[2])
c = Counter('served_requests', 'Requests served, by path', ['path'])
c.labels(path='/東京 "quoted" \\ back\nslash 🙂').inc(2, exemplar={'trace_id': 't1'})
c.labels(path='/plain').inc(5)
h = Histogram('served_latency_seconds', 'Latency', ['model'])
for x in (0.001, 0.2, 3.0, 42.0):
    h.labels(model='fraud-detector').observe(x)
h.labels(model='fraud-detector').observe(0.05, exemplar={'trace_id': 't2'})
Gauge('served_temperature', 'A NaN gauge').set(math.nan)
Gauge('served_inf', 'An infinite gauge').set(-math.inf)
Summary('served_payload_bytes', 'Payload sizes').observe(512)
start_http_server(port, addr='127.0.0.1')
time.sleep(lifetime)
"""#
