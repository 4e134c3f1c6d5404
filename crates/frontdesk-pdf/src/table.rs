//! Tables that fit the page width and continue across pages under a repeated header.

use crate::page::{Align, Doc, Rgb3, Style, GRID, INK, MUTED, RULE};

#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    pub align: Align,
    /// Takes the width left over, and gives it up first when the page is narrow.
    pub flex: bool,
}

impl Column {
    pub const fn text(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            flex: false,
        }
    }
    pub const fn number(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Right,
            flex: false,
        }
    }
    pub const fn flex(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            flex: true,
        }
    }
}

pub(crate) struct Table<'a> {
    pub title: &'a str,
    pub columns: &'a [Column],
    pub rows: &'a [Vec<String>],
    /// A last row in bold under a rule (totals).
    pub total: Option<&'a [String]>,
    /// Shown in place of rows when there are none.
    pub empty: &'a str,
}

/// Table text is small so that 16 columns fit A4 and Letter portrait; it never goes below
/// this, and a column that still does not fit shrinks its text instead.
const SIZE: f32 = 7.5;
const MIN_SIZE: f32 = 6.0;
const PAD: f32 = 3.0;

impl Table<'_> {
    pub fn draw(&self, doc: &mut Doc) {
        let (size, widths) = self.layout(doc);
        let body = Style::new(size);
        let head = Style::new(size).bold().color(INK);
        let row_h = size * 1.85;
        let head_h = size * 2.3;

        // The heading must not be left alone at the bottom of a page.
        doc.ensure(22.0 + head_h + row_h * 3.0);
        crate::report::heading(doc, self.title);
        self.header(doc, &widths, head, head_h);

        if self.rows.is_empty() {
            doc.text(
                doc.left + PAD,
                doc.y + row_h * 0.68,
                self.empty,
                body.color(MUTED),
                Align::Left,
            );
            doc.y += row_h;
        }
        for (i, row) in self.rows.iter().enumerate() {
            if doc.y + row_h > doc.bottom {
                doc.new_page();
                crate::report::heading(doc, &format!("{} (continued)", self.title));
                self.header(doc, &widths, head, head_h);
            }
            if i % 2 == 1 {
                doc.fill_rect(
                    doc.left,
                    doc.y,
                    doc.content_width(),
                    row_h,
                    Rgb3::hex(0xf5f7fa),
                );
            }
            self.cells(doc, &widths, row, body, row_h);
        }
        if let Some(total) = self.total {
            if doc.y + row_h > doc.bottom {
                doc.new_page();
                crate::report::heading(doc, &format!("{} (continued)", self.title));
                self.header(doc, &widths, head, head_h);
            }
            doc.hline(doc.left, doc.right, doc.y, RULE, 0.8);
            self.cells(doc, &widths, total, body.bold(), row_h);
        }
        doc.hline(doc.left, doc.right, doc.y, RULE, 0.5);
        doc.y += 8.0;
    }

    fn header(&self, doc: &mut Doc, widths: &[f32], style: Style, height: f32) {
        doc.fill_rect(
            doc.left,
            doc.y,
            doc.content_width(),
            height,
            Rgb3::hex(0xe8edf3),
        );
        let labels: Vec<String> = self.columns.iter().map(|c| c.header.to_string()).collect();
        self.cells(doc, widths, &labels, style, height);
        doc.hline(doc.left, doc.right, doc.y, GRID, 0.5);
    }

    fn cells(&self, doc: &mut Doc, widths: &[f32], cells: &[String], style: Style, h: f32) {
        let baseline = doc.y + h / 2.0 + style.size * 0.36;
        let mut x = doc.left;
        for ((col, w), cell) in self.columns.iter().zip(widths).zip(cells) {
            let inner = (w - 2.0 * PAD).max(1.0);
            let anchor = match col.align {
                Align::Left => x + PAD,
                Align::Center => x + w / 2.0,
                Align::Right => x + w - PAD,
            };
            doc.text_fit(anchor, baseline, inner, cell, style, col.align);
            x += w;
        }
        doc.y += h;
    }

    /// The font size and column widths: each column as wide as its widest cell, the flexible
    /// one taking what is left; on a narrow page the text gets smaller, down to `MIN_SIZE`,
    /// and then the flexible column gives up width.
    fn layout(&self, doc: &mut Doc) -> (f32, Vec<f32>) {
        let available = doc.content_width();
        let natural: Vec<f32> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, col)| {
                let head = doc.measure(col.header, Style::new(SIZE).bold());
                let widest = self
                    .rows
                    .iter()
                    .map(|r| r.as_slice())
                    .chain(self.total)
                    .filter_map(|r| r.get(i))
                    .map(|cell| doc.measure(cell, Style::new(SIZE).bold()))
                    .fold(0.0f32, f32::max);
                // A flexible column (names) need not be as wide as its longest entry.
                let widest = if col.flex { widest.min(110.0) } else { widest };
                head.max(widest) + 2.0 * PAD
            })
            .collect();
        let total: f32 = natural.iter().sum();
        let scale = (available / total).clamp(MIN_SIZE / SIZE, 1.0);
        let size = SIZE * scale;
        let mut widths: Vec<f32> = natural.iter().map(|w| w * scale).collect();
        let fixed: f32 = self
            .columns
            .iter()
            .zip(&widths)
            .filter(|(c, _)| !c.flex)
            .map(|(_, w)| w)
            .sum();
        let flex_count = self.columns.iter().filter(|c| c.flex).count();
        if flex_count > 0 {
            let share = ((available - fixed) / flex_count as f32).max(20.0);
            for (c, w) in self.columns.iter().zip(widths.iter_mut()) {
                if c.flex {
                    *w = share;
                }
            }
        } else {
            let sum: f32 = widths.iter().sum();
            let stretch = available / sum;
            for w in &mut widths {
                *w *= stretch;
            }
        }
        (size, widths)
    }
}
