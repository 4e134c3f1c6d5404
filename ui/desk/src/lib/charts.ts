// The Reports screen's charts, drawn with Chart.js (chartjs.ts, loaded the first time a chart
// is drawn, in a chunk of its own). Charts never animate (people who asked for reduced motion,
// and the tests, get the same still picture), and each one has the same figures in a table
// beside it for screen readers.
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import { t } from './i18n.svelte';
import { bucketLabel, formatCount, formatDuration, formatRate } from './reports';
import type { Report } from '../bindings/Report';
import type { StaffReport } from '../bindings/StaffReport';

/** The palette of style.css: accent, a warm line, the good, the missed and the cancelled. */
export const COLOURS = {
  accent: '#0b5cad',
  line: '#b7791f',
  completed: '#1f7a3f',
  noShow: '#a3161b',
  cancelled: '#8a94a0',
  even: '#1b1f24',
};

export type Config = ChartConfiguration<'bar' | 'line', (number | null)[], string>;

export type Drawn = Chart<'bar' | 'line', (number | null)[], string>;

/**
 * A chart on `canvas`, or null where there is nothing to draw with (no 2D context, as in jsdom:
 * Chart.js is then not even loaded). The caller destroys it.
 */
export async function makeChart(canvas: HTMLCanvasElement, config: Config): Promise<Drawn | null> {
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null;
  }
  if (!ctx) return null;
  try {
    const { Chart } = await import('./chartjs');
    return new Chart(ctx, config);
  } catch {
    return null; // the table beside it still has the figures
  }
}

function base(rtl: boolean) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { position: 'bottom' as const, rtl, labels: { sort: (a: { datasetIndex?: number }, b: { datasetIndex?: number }) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
      tooltip: { rtl },
    },
  };
}

const STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A tick step for a time axis that reads as whole seconds, minutes or hours: at most 6 ticks. */
export function durationStep(max: number): number {
  return STEPS.find((s) => max / s <= 6) ?? Math.ceil(max / 6 / 86400) * 86400;
}

/** Chats handled (bars) and the median first response (a line on the second axis), per bucket. */
export function chatsChart(r: Report, rtl: boolean): Config {
  const labels = r.buckets.map((b) => bucketLabel(r.filter.bucket, b.from, b.to));
  const b = base(rtl);
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          type: 'bar',
          label: t('report.m.chats_handled'),
          data: r.buckets.map((x) => x.measures.chats_handled),
          backgroundColor: COLOURS.accent,
          yAxisID: 'y',
          order: 2,
        },
        {
          type: 'line',
          label: t('report.m.first_response_median_s'),
          data: r.buckets.map((x) => x.measures.first_response_median_s),
          borderColor: COLOURS.line,
          backgroundColor: COLOURS.line,
          pointRadius: 3,
          spanGaps: false,
          yAxisID: 'y1',
          order: 1,
        },
      ],
    },
    options: {
      ...b,
      scales: {
        y: { beginAtZero: true, position: rtl ? 'right' : 'left', ticks: { precision: 0, callback: (v) => formatCount(Number(v)) }, title: { display: true, text: t('report.axis.chats') } },
        y1: {
          beginAtZero: true,
          position: rtl ? 'left' : 'right',
          grid: { drawOnChartArea: false },
          ticks: { stepSize: durationStep(Math.max(0, ...r.buckets.map((x) => x.measures.first_response_median_s ?? 0))), callback: (v) => formatDuration(Number(v)) },
          title: { display: true, text: t('report.axis.response') },
        },
      },
      plugins: {
        ...b.plugins,
        tooltip: {
          rtl,
          callbacks: {
            label: (c) => `${c.dataset.label}: ${c.dataset.yAxisID === 'y1' ? formatDuration(c.parsed.y) : formatCount(c.parsed.y ?? 0)}`,
          },
        },
      },
    },
  };
}

/** Cancellations of every kind: by the client, by the clinic, and late ones. */
export const cancellations = (m: Report['totals']) => m.appts_cancelled_client + m.appts_cancelled_clinic + m.appts_late_cancel;

/** Visits completed, no-shows and cancellations, stacked, per bucket. */
export function visitsChart(r: Report, rtl: boolean): Config {
  const labels = r.buckets.map((b) => bucketLabel(r.filter.bucket, b.from, b.to));
  const b = base(rtl);
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: t('report.m.appts_completed'), data: r.buckets.map((x) => x.measures.appts_completed), backgroundColor: COLOURS.completed },
        { type: 'bar', label: t('report.m.appts_no_show'), data: r.buckets.map((x) => x.measures.appts_no_show), backgroundColor: COLOURS.noShow },
        { type: 'bar', label: t('report.cancellations'), data: r.buckets.map((x) => cancellations(x.measures)), backgroundColor: COLOURS.cancelled },
      ],
    },
    options: {
      ...b,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, position: rtl ? 'right' : 'left', ticks: { precision: 0, callback: (v) => formatCount(Number(v)) } },
      },
      plugins: {
        ...b.plugins,
        tooltip: { rtl, callbacks: { label: (c) => `${c.dataset.label}: ${formatCount(c.parsed.y ?? 0)}` } },
      },
    },
  };
}

/** The people on the share chart: those who take chats or were given some. */
export const sharers = (r: Report): StaffReport[] => r.staff.filter((s) => s.chat_share > 0 || s.even_share > 0);

/** The even share among those who take chats (the same for each of them), 0 when nobody does. */
export const evenShare = (r: Report): number => Math.max(0, ...r.staff.map((s) => s.even_share));

/** A dashed line across the chart at the even share. */
function evenLine(value: number, label: string): Plugin<'bar' | 'line'> {
  return {
    id: 'evenShare',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      if (!x || value <= 0) return;
      const px = x.getPixelForValue(value);
      const { top, bottom } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = COLOURS.even;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = COLOURS.even;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(label, px, top - 2);
      ctx.restore();
    },
  };
}

/** Each person's share of the chats (horizontal bars) against the even share (a dashed line). */
export function shareChart(r: Report, rtl: boolean): Config {
  const people = sharers(r);
  const even = evenShare(r);
  const b = base(rtl);
  const top = Math.max(even, ...people.map((p) => p.chat_share));
  return {
    type: 'bar',
    data: {
      labels: people.map((p) => p.name),
      datasets: [{ type: 'bar', label: t('report.share'), data: people.map((p) => p.chat_share), backgroundColor: COLOURS.accent }],
    },
    options: {
      ...b,
      indexAxis: 'y',
      layout: { padding: { top: 18 } },
      scales: {
        x: { beginAtZero: true, suggestedMax: Math.min(1, top * 1.15 || 1), reverse: rtl, ticks: { callback: (v) => formatRate(Number(v)) } },
        y: { position: rtl ? 'right' : 'left' },
      },
      plugins: {
        ...b.plugins,
        legend: { display: false },
        tooltip: { rtl, callbacks: { label: (c) => `${t('report.share')}: ${formatRate(c.parsed.x)}` } },
      },
    },
    plugins: [evenLine(even, t('report.even_share_mark', { share: formatRate(even) }))],
  };
}
