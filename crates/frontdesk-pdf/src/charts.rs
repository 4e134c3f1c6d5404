//! Charts drawn as vector shapes: bars per bucket with an optional line on a second axis,
//! stacked bars, and horizontal share bars with an "even share" marker.
//!
//! Positions are worked out in reading order and put on paper through [`Mirror`]: in a
//! right-to-left report time runs from the right, the counts' axis and the names stand at the
//! right, and bars grow leftwards.

use frontdesk_core::reports::format;

use crate::labels::{Labels, Text};
use crate::page::{Align, Doc, Mirror, Rgb3, Style, ACCENT, GRID, INK, MUTED, RULE};

pub(crate) struct Series<'a> {
    pub label: &'a str,
    pub color: Rgb3,
    pub values: Vec<f64>,
}

/// A line over the bars, on its own axis at the end of the lines (the right, or the left
/// right to left), in seconds.
pub(crate) struct TimeLine<'a> {
    pub label: &'a str,
    pub color: Rgb3,
    pub values: Vec<Option<f64>>,
}

const PLOT_H: f32 = 118.0;
const AXIS_L: f32 = 34.0;
const AXIS_R: f32 = 44.0;
const LABEL: Style = Style::new(6.5).color(MUTED);

/// Bars per bucket, stacked bottom to top in the order given, with an optional time line.
pub(crate) fn bars(
    doc: &mut Doc,
    labels_of: &Labels,
    title: &str,
    labels: &[String],
    stacks: &[Series],
    line: Option<&TimeLine>,
) {
    let block = 16.0 + 14.0 + PLOT_H + 22.0;
    doc.ensure(block);
    crate::report::heading(doc, title);
    legend(
        doc,
        stacks
            .iter()
            .map(|s| (s.label, s.color, false))
            .chain(line.map(|l| (l.label, l.color, true))),
    );

    let m = doc.mirror();
    let x0 = doc.left + AXIS_L;
    let x1 = doc.right - if line.is_some() { AXIS_R } else { 8.0 };
    let top = doc.y + 4.0;
    let bottom = top + PLOT_H;
    let n = labels.len();

    let totals: Vec<f64> = (0..n)
        .map(|i| {
            stacks
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let (step, max) = count_axis(totals.iter().copied().fold(0.0, f64::max));
    let y_of = |v: f64| bottom - (v / max) as f32 * PLOT_H;

    let mut tick = 0.0;
    while tick <= max + step * 0.01 {
        let y = y_of(tick);
        doc.hline(
            m.x(x0),
            m.x(x1),
            y,
            if tick == 0.0 { RULE } else { GRID },
            0.5,
        );
        doc.text(
            m.x(x0 - 4.0),
            y + 2.2,
            &count_label(tick),
            LABEL,
            m.align(Align::Right),
        );
        tick += step;
    }

    if n == 0 {
        doc.text(
            m.x((x0 + x1) / 2.0),
            top + PLOT_H / 2.0,
            labels_of.desk("report.no_rows"),
            LABEL,
            Align::Center,
        );
    }
    let slot = (x1 - x0) / n.max(1) as f32;
    let bar_w = (slot * 0.68).max(0.8);
    for i in 0..n {
        let cx = x0 + slot * (i as f32 + 0.5);
        let mut base = 0.0;
        for s in stacks {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v > 0.0 {
                let (y_top, y_bottom) = (y_of(base + v), y_of(base));
                let x = m.span(cx - bar_w / 2.0, bar_w);
                doc.fill_rect(x, y_top, bar_w, y_bottom - y_top, s.color);
            }
            base += v;
        }
    }

    if let Some(line) = line {
        let (step, max) = time_axis(line.values.iter().flatten().copied().fold(0.0, f64::max));
        let ty = |v: f64| bottom - (v / max) as f32 * PLOT_H;
        let mut tick = 0.0;
        while tick <= max + step * 0.01 {
            doc.text(
                m.x(x1 + 4.0),
                ty(tick) + 2.2,
                &time_label(labels_of, tick),
                LABEL,
                m.align(Align::Left),
            );
            tick += step;
        }
        // Buckets with nothing measured break the line rather than dropping it to zero.
        let mut segment: Vec<(f32, f32)> = Vec::new();
        let marker = (slot * 0.5).clamp(1.2, 3.2);
        for i in 0..n {
            let cx = x0 + slot * (i as f32 + 0.5);
            match line.values.get(i).copied().flatten() {
                Some(v) => segment.push((cx, ty(v))),
                None => {
                    doc.polyline(&m.points(&segment), line.color, 1.3);
                    segment.clear();
                }
            }
        }
        doc.polyline(&m.points(&segment), line.color, 1.3);
        for i in 0..n {
            if let Some(v) = line.values.get(i).copied().flatten() {
                let (cx, cy) = (x0 + slot * (i as f32 + 0.5), ty(v));
                diamond(doc, m.x(cx), cy, marker, line.color);
            }
        }
    }

    x_labels(doc, m, labels, x0, slot, bottom);
    doc.y = bottom + 22.0;
}

/// Each person's share of the chats, with a marker where an even share would be.
pub(crate) fn shares(doc: &mut Doc, labels: &Labels, title: &str, rows: &[(String, f64, f64)]) {
    let row_h = 11.0;
    let head_h = 16.0 + 14.0 + 12.0;
    doc.ensure(head_h + row_h * rows.len().clamp(1, 4) as f32);
    let max = rows
        .iter()
        .map(|r| r.1.max(r.2))
        .fold(0.0, f64::max)
        .max(0.01);
    let (step, max) = percent_axis(max);
    let m = doc.mirror();
    let name_w = 118.0;
    let x0 = doc.left + name_w;
    let x1 = doc.right - 40.0;
    let x_of = |v: f64| x0 + (v / max) as f32 * (x1 - x0);

    let mut first = true;
    let mut rest = rows;
    loop {
        crate::report::heading(
            doc,
            &if first {
                title.to_string()
            } else {
                doc.continued(title)
            },
        );
        legend(
            doc,
            [
                (labels.desk("report.share"), ACCENT, false),
                (labels.desk("report.even_share"), INK, true),
            ]
            .into_iter(),
        );
        let axis_y = doc.y + 8.0;
        let mut tick = 0.0;
        while tick <= max + step * 0.01 {
            doc.text(
                m.x(x_of(tick)),
                axis_y,
                &format::percent(Some(tick)).replace(".0 %", " %"),
                LABEL,
                Align::Center,
            );
            tick += step;
        }
        doc.y = axis_y + 4.0;
        let fit = (((doc.bottom - doc.y) / row_h).floor() as usize).max(1);
        let (now, later) = rest.split_at(fit.min(rest.len()));
        let top = doc.y;
        let mut tick = 0.0;
        let grid_bottom = top + row_h * now.len().max(1) as f32;
        while tick <= max + step * 0.01 {
            doc.vline(m.x(x_of(tick)), top, grid_bottom, GRID, 0.5);
            tick += step;
        }
        if rows.is_empty() {
            doc.text(
                m.x(x0 + 4.0),
                top + 7.5,
                labels.pdf(Text::NoOne),
                LABEL,
                m.align(Align::Left),
            );
        }
        for (name, share, even) in now {
            let mid = doc.y + row_h / 2.0;
            doc.text_fit(
                m.x(x0 - 6.0),
                mid + 2.4,
                name_w - 8.0,
                name,
                Style::new(7.0),
                m.align(Align::Right),
            );
            let w = x_of(*share) - x0;
            doc.fill_rect(m.span(x0, w), mid - 3.2, w, 6.4, ACCENT);
            if *even > 0.0 {
                let ex = m.x(x_of(*even));
                doc.vline(ex, mid - 4.8, mid + 4.8, INK, 1.4);
            }
            doc.text(
                m.x(x_of(share.max(*even)) + 4.0),
                mid + 2.3,
                &format::percent(Some(*share)),
                LABEL,
                m.align(Align::Left),
            );
            doc.y += row_h;
        }
        doc.y = doc.y.max(grid_bottom);
        doc.vline(m.x(x0), top, doc.y, RULE, 0.6);
        rest = later;
        if rest.is_empty() {
            break;
        }
        doc.new_page();
        first = false;
    }
    doc.y += 10.0;
}

/// Swatches and names of the series, in one row under the heading, from where a line starts,
/// each swatch before its name in reading order.
fn legend<'a>(doc: &mut Doc, items: impl Iterator<Item = (&'a str, Rgb3, bool)>) {
    let m = doc.mirror();
    let style = Style::new(7.0).color(MUTED);
    let y = doc.y + 6.0;
    let mut x = doc.left;
    for (label, color, is_line) in items {
        if is_line {
            doc.hline(m.x(x), m.x(x + 12.0), y, color, 1.4);
        } else {
            doc.fill_rect(m.span(x, 9.0), y - 3.5, 9.0, 7.0, color);
        }
        x += 15.0;
        x += doc.text(m.x(x), y + 2.4, label, style, m.align(Align::Left)) + 12.0;
    }
    doc.y += 14.0;
}

fn diamond(doc: &mut Doc, x: f32, y: f32, r: f32, color: Rgb3) {
    doc.polygon(&[(x, y - r), (x + r, y), (x, y + r), (x - r, y)], color);
}

/// Bucket labels under the bars, thinned to every k-th so they never overlap.
fn x_labels(doc: &mut Doc, m: Mirror, labels: &[String], x0: f32, slot: f32, bottom: f32) {
    let widest = labels
        .iter()
        .map(|l| doc.measure(l, LABEL))
        .fold(0.0f32, f32::max);
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    for (i, label) in labels.iter().enumerate() {
        let cx = m.x(x0 + slot * (i as f32 + 0.5));
        if i % every == 0 {
            doc.vline(cx, bottom, bottom + 2.5, RULE, 0.5);
            doc.text(cx, bottom + 10.0, label, LABEL, Align::Center);
        }
    }
}

/// A step of 1, 2 or 5 times a power of ten giving about four gridlines, and the axis top.
fn count_axis(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 4.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
        .max(1.0);
    (step, (max / step).ceil().max(1.0) * step)
}

/// Like `count_axis`, for seconds: steps people read at a glance.
fn time_axis(max: f64) -> (f64, f64) {
    const STEPS: [f64; 14] = [
        5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0,
        28800.0,
    ];
    if max <= 0.0 {
        return (60.0, 240.0);
    }
    let raw = max / 4.0;
    let step = STEPS
        .into_iter()
        .find(|s| *s >= raw)
        .unwrap_or((raw / 3600.0).ceil() * 3600.0);
    (step, (max / step).ceil().max(1.0) * step)
}

fn percent_axis(max: f64) -> (f64, f64) {
    let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
        .into_iter()
        .find(|s| *s >= max / 5.0)
        .unwrap_or(0.25);
    (step, (max / step).ceil().max(1.0) * step)
}

fn count_label(v: f64) -> String {
    format!("{}", v.round() as i64)
}

/// Short axis labels: the gridlines sit on round times, so "2 min" says all.
fn time_label(labels: &Labels, secs: f64) -> String {
    let s = secs.round() as i64;
    let minutes = |n: String| labels.pdf_with(Text::AxisMinutes, &[("n", &n)]);
    match s {
        0 => "0".into(),
        s if s < 60 => labels.duration(Some(s)),
        s if s < 3600 && s % 60 == 0 => minutes((s / 60).to_string()),
        s if s < 3600 => minutes(format!("{}:{:02}", s / 60, s % 60)),
        s if s % 3600 == 0 => labels.pdf_with(Text::AxisHours, &[("n", &(s / 3600).to_string())]),
        s => labels.duration(Some(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(count_axis(37.0), (10.0, 40.0));
        assert_eq!(count_axis(3.0), (1.0, 3.0));
        assert_eq!(count_axis(0.0), (1.0, 4.0));
        assert_eq!(time_axis(250.0), (120.0, 360.0));
        let en = Labels::default();
        assert_eq!(time_label(&en, 120.0), "2 min");
        assert_eq!(time_label(&en, 90.0), "1:30 min");
        assert_eq!(time_label(&en, 7200.0), "2 h");
        let vi = Labels::new(crate::labels::Language::Vi);
        assert_eq!(time_label(&vi, 120.0), "2 phút");
        let (step, max) = percent_axis(0.34);
        assert!((step - 0.1).abs() < 1e-9 && (max - 0.4).abs() < 1e-9);
    }
}
