//! Pieces of a figure that plotters does not lay out for us: a legend in its own band above the
//! plot (so it never hides a bar or a line), and class names under the bars, wrapped onto two
//! lines where one line would run into the next class's name.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;

use super::Look;
use super::palette::INK;

type Area = DrawingArea<CanvasBackend, Shift>;

/// The legend's and the class names' text size (normal look).
const FONT: u32 = 12;
const ROW: u32 = 18;
const SWATCH: u32 = 14;
const GAP: u32 = 16;

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A filled square (bars).
    Swatch(RGBColor),
    /// A short thick line (curves).
    Line(RGBColor),
    /// A dashed line (references such as chance).
    Dashed(RGBColor),
    /// A filled triangle (marked points).
    Triangle(RGBColor),
}

/// The corners of a triangle pointing up, `size` pixels from its centre, for a `Polygon` placed
/// with `EmptyElement::at` (plotters' `TriangleMarker` computes them with sine and cosine: code
/// the UI bundle would carry for this shape alone).
pub fn triangle(size: i32) -> Vec<(i32, i32)> {
    // cos 30° ≈ 7/8.
    vec![
        (0, -size),
        (size * 7 / 8, size / 2),
        (-size * 7 / 8, size / 2),
    ]
}

fn text_width(area: &Area, text: &str, look: Look) -> i32 {
    area.estimate_text_size(text, &TextStyle::from(look.font(FONT).into_font()))
        .map(|(w, _)| w as i32)
        // Without a measuring context, a generous guess.
        .unwrap_or(text.chars().count() as i32 * look.px(7) as i32)
}

/// Draws the legend in rows across the top of `area` and returns the area below it.
pub fn legend_band(area: &Area, entries: &[(String, Mark)], look: Look) -> Result<Area, String> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (row_height, swatch, gap) = (
        look.px(ROW) as i32,
        look.px(SWATCH) as i32,
        look.px(GAP) as i32,
    );
    let (width, _) = area.dim_in_pixel();
    let width = width as i32;
    // Lay out first, to know how many rows the band needs.
    let mut placed = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (8, 0);
    for (label, mark) in entries {
        let w = swatch + 6 + text_width(area, label, look);
        if x > 8 && x + w > width - 8 {
            x = 8;
            row += 1;
        }
        placed.push((x, row, label.as_str(), *mark));
        x += w + gap;
    }
    let height = (row + 1) * row_height + 8;
    let (band, rest) = area.split_vertically(height);
    let style = look
        .font(FONT)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (thick, thin) = (look.line(3), look.line(2));
    for (x, row, label, mark) in placed {
        let y = 4 + row * row_height + row_height / 2;
        let half = swatch / 2;
        match mark {
            Mark::Swatch(c) => band.draw(&Rectangle::new(
                [(x, y - half + 2), (x + swatch - 2, y + half - 2)],
                c.filled(),
            )),
            Mark::Line(c) => band.draw(&PathElement::new(
                vec![(x, y), (x + swatch, y)],
                c.stroke_width(thick),
            )),
            Mark::Dashed(c) => band
                .draw(&PathElement::new(
                    vec![(x, y), (x + swatch * 2 / 7, y)],
                    c.stroke_width(thin),
                ))
                .and_then(|_| {
                    band.draw(&PathElement::new(
                        vec![(x + swatch * 9 / 14, y), (x + swatch, y)],
                        c.stroke_width(thin),
                    ))
                }),
            Mark::Triangle(c) => band.draw(
                &(EmptyElement::at((x + half, y))
                    + Polygon::new(triangle(look.px(6) as i32), c.filled())),
            ),
        }
        .map_err(|e| e.to_string())?;
        band.draw_text(label, &style, (x + swatch + 6, y))
            .map_err(|e| e.to_string())?;
    }
    Ok(rest)
}

/// Splits a name into at most two lines that fit `width` pixels where it can.
fn wrap(area: &Area, name: &str, width: i32, look: Look) -> Vec<String> {
    if text_width(area, name, look) <= width || !name.contains(' ') {
        return vec![name.to_string()];
    }
    // The split that makes the longer line shortest.
    let words: Vec<&str> = name.split(' ').collect();
    (1..words.len())
        .map(|k| vec![words[..k].join(" "), words[k..].join(" ")])
        .min_by_key(|lines| lines.iter().map(|l| text_width(area, l, look)).max())
        .unwrap_or_else(|| vec![name.to_string()])
}

/// Writes one name under the middle of each of `names.len()` equal slots spanning the pixel
/// columns `x` of `area`, starting at pixel row `top`.
pub fn class_names(
    area: &Area,
    x: std::ops::Range<i32>,
    top: i32,
    names: &[String],
    look: Look,
) -> Result<(), String> {
    let n = names.len().max(1) as i32;
    let slot = (x.end - x.start) / n;
    // Large type only where every word still fits its slot (ten classes on a narrow figure keep
    // the normal size rather than run into each other).
    let fits = |look| {
        names
            .iter()
            .flat_map(|name| name.split(' '))
            .all(|word| text_width(area, word, look) <= slot - 4)
    };
    let look = if fits(look) { look } else { Look::NORMAL };
    let style = look
        .font(FONT)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, name) in names.iter().enumerate() {
        let centre = x.start + slot * i as i32 + slot / 2;
        for (line, text) in wrap(area, name, slot - 4, look).iter().enumerate() {
            area.draw_text(
                text,
                &style,
                (centre, top + line as i32 * look.px(14) as i32),
            )
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
