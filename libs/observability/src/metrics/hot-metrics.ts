/**
 * Counters and histograms for the request path. prom-client hashes a child's labels on every
 * inc()/observe(), bound child or not; here a child is a plain object found once per label set
 * (a Map lookup on a key string the caller keeps), and recording is a bucket search and a few
 * additions. The families render through prom-client's registry (they implement its metric
 * interface: name, help, type, get()), in the same text format as its own metrics.
 */
type Labels = Record<string, string>;

interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

interface MetricObject {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

export class HotCounter {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class HotHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

abstract class HotFamily<C> {
  private readonly children = new Map<string, C>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The child of these label values (in labelNames order), made on first use. */
  child(...values: string[]): C {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      child = this.make(labels);
      this.children.set(key, child);
    }
    return child;
  }

  protected all(): C[] {
    return [...this.children.values()];
  }

  protected abstract make(labels: Labels): C;
  abstract get(): MetricObject;
}

export class HotCounterFamily extends HotFamily<HotCounter> {
  readonly type = 'counter';
  protected make(labels: Labels): HotCounter {
    return new HotCounter(labels);
  }
  get(): MetricObject {
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values: this.all().map((c) => ({ value: c.value, labels: c.labels })) };
  }
}

export class HotHistogramFamily extends HotFamily<HotHistogram> {
  readonly type = 'histogram';
  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }
  protected make(labels: Labels): HotHistogram {
    return new HotHistogram(labels, this.bounds);
  }
  get(): MetricObject {
    const values: MetricValue[] = [];
    for (const h of this.all()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += h.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: String(le), ...h.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...h.labels }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels: h.labels, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: h.labels, value: h.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
