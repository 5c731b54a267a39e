/** Line charts over months with uPlot (canvas, ~50 KB), sized to their container. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { money, monthLabel } from '../shared/format';

/** "2025-04-01" → "Apr ’25" */
function shortMonth(iso: string): string {
  return `${monthLabel(iso).slice(0, 3)} ’${iso.slice(2, 4)}`;
}

export interface Series {
  label: string;
  /** Decimal strings as the tools give them; null where a month has no figure. */
  values: (string | null)[];
  color: string;
}

export function MonthChart({
  title,
  months,
  series,
  currency,
}: {
  title: string;
  months: string[];
  series: Series[];
  currency: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !months.length) return;
    // uPlot plots numbers; the figures it shows on hover are formatted from the exact strings.
    const xs = months.map((m) => Date.parse(`${m}T00:00:00Z`) / 1000);
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values.map((v) => (v === null ? null : Number(v))))];
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        title,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true } },
        legend: { live: false },
        axes: [
          { space: 70, values: (_u, ticks) => ticks.map((t) => shortMonth(new Date(t * 1000).toISOString())) },
          { size: 70, values: (_u, ticks) => ticks.map((t) => money(String(t), currency, { compact: true })) },
        ],
        series: [
          { value: (_u, v) => (v === null ? '—' : monthLabel(new Date(v * 1000).toISOString())) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            points: { show: true, size: 4 },
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
              idx === null ? '—' : money(series[i]!.values[idx] ?? null, currency),
          })),
        ],
      },
      data,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [title, months, series, currency]);
  return <div class="chart" ref={box} data-chart={title} />;
}

/** The funding-readiness score as a half-circle gauge. */
export function Gauge({ score, tier }: { score: number; tier: string }) {
  const angle = Math.PI * (1 - Math.max(0, Math.min(100, score)) / 100);
  const x = 100 + 80 * Math.cos(angle);
  const y = 100 - 80 * Math.sin(angle);
  return (
    <svg viewBox="0 0 200 115" class="gauge" role="img" aria-label={`Funding readiness ${score} of 100, ${tier}`}>
      <path d="M20 100 A80 80 0 0 1 180 100" class="track" />
      <path d={`M20 100 A80 80 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`} class="value" />
      <text x="100" y="92" text-anchor="middle" class="score">
        {score}
      </text>
      <text x="100" y="110" text-anchor="middle" class="tier">
        {tier.replace(/_/g, ' ')}
      </text>
    </svg>
  );
}
