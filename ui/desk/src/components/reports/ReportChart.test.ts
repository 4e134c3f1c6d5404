import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRawSnippet } from 'svelte';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ReportChart from './ReportChart.svelte';
import { chatsChart, durationStep, shareChart, visitsChart, type Config } from '../../lib/charts';
import { measuresRecord, reportRecord } from '../../test-helpers';

// Chart.js itself is replaced: these tests are about when charts are made and destroyed and
// what they are given, never about the drawing on a canvas (jsdom has none).
const made = vi.hoisted(() => [] as { config: unknown; destroy: ReturnType<typeof vi.fn> }[]);
vi.mock('chart.js', () => {
  // Registration and defaults are set on it when charts first load (lib/chartjs.ts).
  class Chart {
    static register = vi.fn();
    static defaults = { font: {}, color: '', animation: {} as unknown };
    destroy = vi.fn();
    constructor(
      public ctx: unknown,
      public config: unknown,
    ) {
      made.push(this);
    }
  }
  const part = {};
  return {
    Chart,
    BarController: part,
    BarElement: part,
    CategoryScale: part,
    Legend: part,
    LinearScale: part,
    LineController: part,
    LineElement: part,
    PointElement: part,
    Tooltip: part,
  };
});

const report = reportRecord({
  buckets: [
    { from: '2026-03-02', to: '2026-03-08', measures: measuresRecord({ chats_handled: 5, first_response_median_s: 125, appts_completed: 3, appts_no_show: 1, appts_cancelled_clinic: 2 }) },
    { from: '2026-03-09', to: '2026-03-15', measures: measuresRecord({ chats_handled: 6 }) },
  ],
  staff: [
    { id: 'A', name: 'Dara Sok', team: 'receptionist', measures: measuresRecord(), chat_share: 0.75, even_share: 0.5 },
    { id: 'B', name: 'Sok Dara', team: 'receptionist', measures: measuresRecord(), chat_share: 0.25, even_share: 0.5 },
    { id: 'C', name: 'Dr Chan', team: 'clinician', measures: measuresRecord(), chat_share: 0, even_share: 0 },
  ],
});

const table = createRawSnippet(() => ({ render: () => '<table data-testid="figures"><tbody><tr><td>5</td></tr></tbody></table>' }));

beforeEach(() => {
  made.length = 0;
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue({} as CanvasRenderingContext2D);
});
afterEach(() => {
  vi.restoreAllMocks();
});

type Options = { animation: unknown; plugins: { tooltip: { rtl: boolean } } };

describe('a report chart', () => {
  it('is made once, still, with a name and its table, and destroyed with the screen', async () => {
    const { unmount } = render(ReportChart, { id: 'c1', title: 'Chats handled and first response', config: chatsChart(report, false), table });
    await vi.waitFor(() => expect(made).toHaveLength(1));
    const cfg = made[0].config as Config;
    expect((cfg.options as Options).animation).toBe(false);
    expect(cfg.data.labels).toHaveLength(2);
    expect(cfg.data.datasets.map((d) => [d.type, d.data])).toEqual([
      ['bar', [5, 6]],
      ['line', [125, null]],
    ]);
    const picture = screen.getByRole('img', { name: 'Chats handled and first response' });
    expect(picture.querySelector('canvas')).not.toBeNull();
    expect(screen.getByTestId('figures')).toBeTruthy();
    expect(screen.getByTestId('chart-c1-table').classList.contains('visually-hidden')).toBe(true);
    const toggle = screen.getByRole('button', { name: 'Show as table' });
    expect(toggle.getAttribute('aria-controls')).toBe('c1-table');
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('chart-c1-table').classList.contains('visually-hidden')).toBe(false);
    expect(made).toHaveLength(1);
    unmount();
    expect(made[0].destroy).toHaveBeenCalledTimes(1);
    const { Chart } = await import('chart.js');
    expect(Chart.defaults.animation).toBe(false);
  });

  it('is drawn anew for a new report, the old one destroyed first', async () => {
    const { rerender } = render(ReportChart, { id: 'c2', title: 'Visits', config: visitsChart(report, false), table });
    await vi.waitFor(() => expect(made).toHaveLength(1));
    await rerender({ id: 'c2', title: 'Visits', config: visitsChart({ ...report, buckets: report.buckets.slice(1) }, false), table });
    await vi.waitFor(() => expect(made).toHaveLength(2));
    expect(made[0].destroy).toHaveBeenCalledTimes(1);
    expect(made[1].destroy).not.toHaveBeenCalled();
    // Completed, no-shows and cancellations of every kind, stacked.
    const first = made[0].config as Config;
    expect(first.data.datasets.map((d) => d.data)).toEqual([[3, 0], [1, 0], [2, 0]]);
  });

  it('is not made where the canvas cannot draw, and the table is still there', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    render(ReportChart, { id: 'c3', title: 'Share', config: shareChart(report, true), table });
    await new Promise((r) => setTimeout(r, 20));
    expect(made).toHaveLength(0);
    expect(screen.getByTestId('figures')).toBeTruthy();
  });

  it('is not left behind when the screen closes before Chart.js is in', async () => {
    const { unmount } = render(ReportChart, { id: 'c4', title: 'Chats', config: chatsChart(report, false), table });
    unmount();
    await vi.waitFor(() => expect(made).toHaveLength(1));
    expect(made[0].destroy).toHaveBeenCalledTimes(1);
  });

  it('shows each person who takes chats against the even share, right to left in Arabic', () => {
    const cfg = shareChart(report, true);
    expect(cfg.data.labels).toEqual(['Dara Sok', 'Sok Dara']);
    expect(cfg.data.datasets[0].data).toEqual([0.75, 0.25]);
    expect(cfg.options?.indexAxis).toBe('y');
    expect((cfg.options as Options).plugins.tooltip.rtl).toBe(true);
    expect(cfg.plugins?.map((p) => p.id)).toEqual(['evenShare']);
  });

  it('marks its time axis in whole seconds, minutes or hours', () => {
    expect([45, 260, 600, 7380].map(durationStep)).toEqual([10, 60, 120, 1800]);
    const y1 = (chatsChart(report, false).options!.scales as Record<string, { ticks: { stepSize: number } }>).y1;
    expect(y1.ticks.stepSize).toBe(30); // the slowest median is 125 s
  });
});
