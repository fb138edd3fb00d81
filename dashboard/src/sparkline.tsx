/** An SVG sparkline of recent samples with its latest value; no chart library needed. */
export function Sparkline(props: { label: string; values: number[]; format: (v: number) => string }) {
  const { values } = props;
  const w = 240;
  const h = 48;
  const max = Math.max(1, ...values);
  const points = values
    .map((v, i) => `${values.length > 1 ? (i / (values.length - 1)) * w : 0},${h - (v / max) * (h - 4) - 2}`)
    .join(" ");
  const last = values.at(-1);
  return (
    <figure className="chart">
      <figcaption>
        {props.label}: <strong>{last === undefined ? "no samples yet" : props.format(last)}</strong>
      </figcaption>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        width="100%"
        height={h}
        role="img"
        aria-label={`${props.label} over time`}
      >
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="2" />
      </svg>
    </figure>
  );
}
