//! Chats arriving by weekday and hour as a grid of shaded cells, for planning shifts.
//!
//! Laid out in reading order through [`crate::page::Mirror`]: right to left, the weekdays
//! stand at the right, midnight is the rightmost column and the key starts at the right.

use crate::labels::{Labels, Text};
use crate::page::{Align, Doc, Rgb3, Style, ACCENT, MUTED, RULE};

pub(crate) fn draw(doc: &mut Doc, labels: &Labels, heat: &[Vec<u32>], time_zone: &str) {
    let cell_h = 13.0;
    let small = Style::new(6.0).color(MUTED);
    // Weekday names are longer in some languages than "Wed": the grid gives them the room.
    let widest_day = (0..7)
        .map(|d| doc.measure(labels.weekday(d), small))
        .fold(0.0f32, f32::max);
    let label_w = (widest_day + 8.0).max(26.0);
    doc.ensure(16.0 + 12.0 + 7.0 * cell_h + 26.0);
    crate::report::heading(doc, labels.pdf(Text::HeatmapTitle));

    let value = |d: usize, h: usize| heat.get(d).and_then(|r| r.get(h)).copied().unwrap_or(0);
    let max = (0..7)
        .flat_map(|d| (0..24).map(move |h| (d, h)))
        .map(|(d, h)| value(d, h))
        .max()
        .unwrap_or(0);

    let m = doc.mirror();
    let x0 = doc.left + label_w;
    let cell_w = (doc.content_width() - label_w) / 24.0;
    let hours_y = doc.y + 7.0;
    for h in 0..24 {
        let label = format!("{h:02}");
        doc.text(
            m.x(x0 + cell_w * (h as f32 + 0.5)),
            hours_y,
            &label,
            small,
            Align::Center,
        );
    }
    let top = hours_y + 4.0;
    for d in 0..7 {
        let day = labels.weekday(d);
        let y = top + d as f32 * cell_h;
        doc.text(
            m.x(x0 - 5.0),
            y + cell_h / 2.0 + 2.3,
            day,
            small,
            m.align(Align::Right),
        );
        for h in 0..24 {
            let v = value(d, h);
            let x = m.span(x0 + h as f32 * cell_w, cell_w);
            doc.fill_rect(x + 0.4, y + 0.4, cell_w - 0.8, cell_h - 0.8, shade(v, max));
            if v > 0 {
                let dark = f64::from(v) / f64::from(max.max(1)) > 0.55;
                let ink = if dark {
                    Rgb3(1.0, 1.0, 1.0)
                } else {
                    Rgb3::hex(0x334e68)
                };
                doc.text(
                    x + cell_w / 2.0,
                    y + cell_h / 2.0 + 2.0,
                    &v.to_string(),
                    Style::new(5.6).color(ink),
                    Align::Center,
                );
            }
        }
    }
    let bottom = top + 7.0 * cell_h;

    // The scale, then where the busiest hour is, in words.
    let mut x = x0;
    let y = bottom + 9.0;
    let start = m.align(Align::Left);
    x += doc.text(m.x(x), y, labels.pdf(Text::Fewer), small, start) + 4.0;
    for k in 0..6 {
        let v = (f64::from(max) * f64::from(k) / 5.0).round() as u32;
        doc.fill_rect(
            m.span(x + k as f32 * 11.0, 10.0),
            y - 5.5,
            10.0,
            7.0,
            shade(v, max.max(1)),
        );
    }
    doc.stroke_rect(m.span(x, 65.0), y - 5.5, 65.0, 7.0, RULE, 0.3);
    x += 70.0;
    doc.text(m.x(x), y, labels.pdf(Text::More), small, start);
    let note = match busiest(heat) {
        Some((d, h, v)) => labels.pdf_with(
            Text::Busiest,
            &[
                ("day", labels.weekday(d)),
                ("from", &format!("{h:02}:00")),
                ("to", &format!("{:02}:00", (h + 1) % 24)),
                ("chats", &labels.chats(v)),
                ("zone", time_zone),
            ],
        ),
        None => labels.pdf_with(Text::NoChats, &[("zone", time_zone)]),
    };
    doc.text(m.x(doc.right), y, &note, small, m.align(Align::Right));
    doc.y = bottom + 22.0;
}

/// White through the accent colour; empty hours get a faint grey so the grid stays visible.
fn shade(v: u32, max: u32) -> Rgb3 {
    if v == 0 || max == 0 {
        return Rgb3::hex(0xf3f4f6);
    }
    let t = f64::from(v) / f64::from(max);
    ACCENT.tint((0.9 - 0.9 * t.sqrt()) as f32)
}

fn busiest(heat: &[Vec<u32>]) -> Option<(usize, usize, u32)> {
    let mut best: Option<(usize, usize, u32)> = None;
    for (d, row) in heat.iter().enumerate().take(7) {
        for (h, &v) in row.iter().enumerate().take(24) {
            if v > 0 && best.is_none_or(|b| v > b.2) {
                best = Some((d, h, v));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_hour_is_the_first_maximum() {
        let mut heat = vec![vec![0; 24]; 7];
        heat[1][10] = 5;
        heat[3][15] = 5;
        heat[0][2] = 1;
        assert_eq!(busiest(&heat), Some((1, 10, 5)));
        assert_eq!(busiest(&vec![vec![0; 24]; 7]), None);
        assert_eq!(shade(0, 5), Rgb3::hex(0xf3f4f6));
        assert_eq!(shade(5, 5), ACCENT);
    }
}
