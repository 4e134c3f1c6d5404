//! Tables that fit the page width and continue across pages under a repeated header.
//!
//! A table either keeps each cell on one line (the report's figures: the text shrinks, then
//! is clipped), or has wrapped columns (free text: notes, messages), whose cells run onto as
//! many lines as they need.

use crate::page::{Align, Doc, Rgb3, Style, GRID, INK, MUTED, RULE};

#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    pub align: Align,
    /// Takes the width left over, and gives it up first when the page is narrow.
    pub flex: bool,
    /// Breaks its cells into lines to fit its width; the row grows to the tallest cell.
    pub wrap: bool,
}

impl Column {
    pub const fn text(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            flex: false,
            wrap: false,
        }
    }
    pub const fn number(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Right,
            flex: false,
            wrap: false,
        }
    }
    pub const fn flex(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            flex: true,
            wrap: false,
        }
    }
    /// Free text, wrapped; a paragraph that reads right to left is set against the right edge.
    pub const fn wrap(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            flex: false,
            wrap: true,
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
/// Every other row's background.
const STRIPE: Rgb3 = Rgb3::hex(0xf5f7fa);
/// The narrowest a wrapped column gets (at `SIZE`), however little room the others leave.
const MIN_WRAP: f32 = 48.0;
/// Rows of no more lines than this are not split between pages.
const KEEP_LINES: usize = 4;
/// A heading's height, as `report::heading` draws it.
const HEADING: f32 = 22.0;

impl Table<'_> {
    pub fn draw(&self, doc: &mut Doc) {
        let (size, widths) = self.layout(doc);
        let body = Style::new(size);
        let head = Style::new(size).bold().color(INK);
        let row_h = size * 1.85;
        let head_h = size * 2.3;

        // The heading must not be left alone at the bottom of a page.
        doc.ensure(HEADING + head_h + row_h * 3.0);
        crate::report::heading(doc, self.title);
        self.header(doc, &widths, head, head_h);

        if self.rows.is_empty() {
            let (edge, align) = doc.lead();
            let x = if doc.rtl { edge - PAD } else { edge + PAD };
            doc.text(
                x,
                doc.y + row_h * 0.68,
                self.empty,
                body.color(MUTED),
                align,
            );
            doc.y += row_h;
        }
        let wraps = self.columns.iter().any(|c| c.wrap);
        for (i, row) in self.rows.iter().enumerate() {
            if wraps {
                self.wrapped_row(doc, &widths, row, body, i % 2 == 1, (head, head_h));
                continue;
            }
            if doc.y + row_h > doc.bottom {
                self.continue_on_next_page(doc, &widths, head, head_h);
            }
            if i % 2 == 1 {
                doc.fill_rect(doc.left, doc.y, doc.content_width(), row_h, STRIPE);
            }
            self.cells(doc, &widths, row, body, row_h);
        }
        if let Some(total) = self.total {
            if doc.y + row_h > doc.bottom {
                self.continue_on_next_page(doc, &widths, head, head_h);
            }
            doc.hline(doc.left, doc.right, doc.y, RULE, 0.8);
            self.cells(doc, &widths, total, body.bold(), row_h);
        }
        doc.hline(doc.left, doc.right, doc.y, RULE, 0.5);
        doc.y += 8.0;
    }

    fn continue_on_next_page(&self, doc: &mut Doc, widths: &[f32], head: Style, head_h: f32) {
        doc.new_page();
        crate::report::heading(doc, &doc.continued(self.title));
        self.header(doc, widths, head, head_h);
    }

    /// One row of a table with wrapped columns. A row of a few lines that does not fit goes
    /// whole to the next page; a longer one fills this page and goes on on the next, under
    /// the repeated header.
    fn wrapped_row(
        &self,
        doc: &mut Doc,
        widths: &[f32],
        row: &[String],
        style: Style,
        striped: bool,
        (head, head_h): (Style, f32),
    ) {
        let row_h = style.size * 1.85;
        let line_h = style.size * 1.3;
        let cells: Vec<Vec<(String, Align)>> = self
            .columns
            .iter()
            .zip(widths)
            .zip(row)
            .map(|((col, w), cell)| {
                if !col.wrap {
                    return vec![(cell.clone(), col.align)];
                }
                let inner = (w - 2.0 * PAD).max(1.0);
                doc.wrap_paragraphs(cell, style, inner)
            })
            .collect();
        let count = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let height = |n: usize| row_h + n.saturating_sub(1) as f32 * line_h;
        let lines_in = |room: f32| ((room - row_h) / line_h).floor().max(-1.0) as i64 + 1;

        let mut from = 0;
        // Just moved to a new page: moving again would not give more room.
        let mut moved = false;
        while from < count {
            let left = count - from;
            let room = doc.bottom - doc.y;
            let here = usize::try_from(lines_in(room)).unwrap_or(0);
            // A short row is kept whole; a long one starts here if a few of its lines fit.
            let keep_whole = from == 0 && (left <= KEEP_LINES || here < KEEP_LINES);
            if !moved && here < left && (keep_whole || here == 0) {
                self.continue_on_next_page(doc, widths, head, head_h);
                moved = true;
                continue;
            }
            let to = count.min(from + here.max(1));
            let h = height(to - from);
            if striped {
                doc.fill_rect(doc.left, doc.y, doc.content_width(), h, STRIPE);
            }
            let mut x = doc.left;
            for (w, lines) in widths.iter().zip(&cells) {
                let inner = (w - 2.0 * PAD).max(1.0);
                for (k, (line, align)) in lines.iter().enumerate().take(to).skip(from) {
                    let baseline =
                        doc.y + row_h / 2.0 + style.size * 0.36 + (k - from) as f32 * line_h;
                    let anchor = match align {
                        Align::Left => x + PAD,
                        Align::Center => x + w / 2.0,
                        Align::Right => x + w - PAD,
                    };
                    doc.text_fit(anchor, baseline, inner, line, style, *align);
                }
                x += w;
            }
            doc.y += h;
            from = to;
            moved = false;
            if from < count {
                self.continue_on_next_page(doc, widths, head, head_h);
                moved = true;
            }
        }
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
        let mut from_right = doc.right;
        for ((col, w), cell) in self.columns.iter().zip(widths).zip(cells) {
            let inner = (w - 2.0 * PAD).max(1.0);
            // A right-to-left table is the mirror image: the first column at the right edge,
            // text set against each column's right side and figures against its left.
            let (x, align) = if doc.rtl {
                from_right -= w;
                let align = match col.align {
                    Align::Left => Align::Right,
                    Align::Center => Align::Center,
                    Align::Right => Align::Left,
                };
                (from_right, align)
            } else {
                x += w;
                (x - w, col.align)
            };
            let anchor = match align {
                Align::Left => x + PAD,
                Align::Center => x + w / 2.0,
                Align::Right => x + w - PAD,
            };
            doc.text_fit(anchor, baseline, inner, cell, style, align);
        }
        doc.y += h;
    }

    /// The font size and column widths: each column as wide as its widest cell, the flexible
    /// one taking what is left; on a narrow page the text gets smaller, down to `MIN_SIZE`,
    /// and then the flexible column gives up width.
    fn layout(&self, doc: &mut Doc) -> (f32, Vec<f32>) {
        if self.columns.iter().any(|c| c.wrap) {
            return self.wrapped_layout(doc);
        }
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

    /// Column widths for a table with wrapped columns: the others as wide as their widest
    /// cell, and the wrapped ones share what is left, each taking no more than its longest
    /// line needs. Text shrinks only when even the narrowest wrapped columns would not fit.
    fn wrapped_layout(&self, doc: &mut Doc) -> (f32, Vec<f32>) {
        let available = doc.content_width();
        let body = Style::new(SIZE);
        let mut natural = Vec::with_capacity(self.columns.len());
        let mut least = Vec::with_capacity(self.columns.len());
        for (i, col) in self.columns.iter().enumerate() {
            let head = doc.width(col.header, body.bold()) + 2.0 * PAD;
            let mut widest = 0.0f32;
            let cells = self.rows.iter().filter_map(|r| r.get(i)).map(|c| (c, body));
            let total = self.total.and_then(|t| t.get(i)).map(|c| (c, body.bold()));
            for (cell, style) in cells.chain(total) {
                for line in cell.split('\n') {
                    widest = widest.max(doc.width(line, style).min(available));
                }
            }
            // A little slack, so that a cell measured to fit is not wrapped by rounding.
            let widest = widest + 2.0 * PAD + 0.5;
            natural.push(head.max(widest));
            least.push(if col.wrap {
                head.max(MIN_WRAP)
            } else {
                head.max(widest)
            });
        }
        let scale = (available / least.iter().sum::<f32>()).clamp(MIN_SIZE / SIZE, 1.0);
        let mut widths: Vec<f32> = least.iter().map(|w| w * scale).collect();
        let wrapped: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].wrap)
            .collect();
        let mut room = available
            - (0..self.columns.len())
                .filter(|&i| !self.columns[i].wrap)
                .map(|i| widths[i])
                .sum::<f32>();
        // Water-filling: a column whose longest line is narrower than an even share keeps that
        // width, and the others share what it leaves.
        let mut open = wrapped.clone();
        while !open.is_empty() {
            let share = room / open.len() as f32;
            let (narrow, wide): (Vec<usize>, Vec<usize>) =
                open.iter().partition(|&&i| natural[i] * scale <= share);
            if narrow.is_empty() {
                for &i in &wide {
                    widths[i] = share.max(least[i] * scale);
                }
                room = 0.0;
                break;
            }
            for &i in &narrow {
                widths[i] = natural[i] * scale;
                room -= widths[i];
            }
            open = wide;
        }
        // Room to spare goes to the column with the most to say (the last of equals).
        let roomiest = wrapped
            .iter()
            .copied()
            .reduce(|a, b| if natural[b] >= natural[a] { b } else { a });
        if let Some(i) = roomiest {
            widths[i] += room.max(0.0);
        }
        (SIZE * scale, widths)
    }
}
