//! The complexity map of class pairs: heat-maps, the gap against the SSIM
//! distance, Spearman correlations and the table of pairs.

use mlprobe_runner::{ComplexityMap, MapStability};

use super::{Context, Rendered, Section};
use crate::claims::Input;
use crate::draw::{self, Heatmap, Scatter, file_stem};
use crate::errors::ReportError;
use crate::figure::Figure;
use crate::markdown::{Markdown, Table, num};

/// The section of a run with a `[map]` table.
pub(super) struct ComplexityMapSection;

impl Section for ComplexityMapSection {
    fn applies(&self, (_, run): Input<'_>) -> bool {
        run.complexity.is_some()
    }

    fn render(&self, (exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        let map = run.complexity.as_ref().expect("applies");
        let figures = figures(ctx, &exp.name, map)?;
        md.heading(2, &format!("Complexity map ({})", exp.name));
        md.para(&format!(
            "Spearman correlation over the {} pairs between the mean SSIM distance of the two classes and the binarization gap: **{}**; and the shuffle (B) gap: **{}**. A negative value means that the more alike the images of two classes are (small distance), the larger the gap: data-side difficulty and the networks' complexity measure agree in direction.",
            map.pairs.len(),
            num(map.spearman_ssim_gap_binarized, 3),
            num(map.spearman_ssim_gap_shuffled, 3),
        ));
        if let Some(st) = &map.stability {
            md.para(&stability(st));
        }
        let mut t = Table::new([
            "pair",
            "full %",
            "binarized %",
            "gap",
            "shuffled (B) %",
            "gap",
            "failed",
            "SSIM distance",
        ]);
        for p in &map.pairs {
            t.row([
                format!("{}-{}", p.classes[0], p.classes[1]),
                num(p.full, 1),
                num(p.binarized, 1),
                num(p.gap_binarized, 1),
                num(p.shuffled, 1),
                num(p.gap_shuffled, 1),
                p.failed.to_string(),
                format!("{:.3}", p.ssim_distance),
            ]);
        }
        md.table(&t);
        Ok(figures)
    }
}

/// How stable the map is under a change of seeds, in words.
fn stability(st: &MapStability) -> String {
    let interval = |i: Option<[f64; 2]>| i.map_or_else(|| "-".into(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]"));
    format!(
        "Stability: the map of each pair's first {h} seeds against that of its next {h} has Spearman **{}** over the pairs for the binarization gap ({} for the shuffle gap); each half alone correlates with the SSIM distance at {} and {}. Resampling every pair's seeds with replacement ({} resamples), the SSIM correlation's 95 % interval is {} for the binarization gap and {} for the shuffle gap.",
        num(st.halves_gap_binarized, 3),
        num(st.halves_gap_shuffled, 3),
        num(st.halves_ssim_gap_binarized[0], 3),
        num(st.halves_ssim_gap_binarized[1], 3),
        st.resamples,
        interval(st.interval_ssim_gap_binarized),
        interval(st.interval_ssim_gap_shuffled),
        h = st.half,
    )
}

/// The three heat-maps (binarization gap, shuffle gap, SSIM distance) and
/// the scatter of gap against distance.
fn figures(ctx: &Context<'_, '_>, experiment: &str, map: &ComplexityMap) -> Result<Vec<Figure>, ReportError> {
    let dir = ctx.out.join("figures");
    let labels: Vec<String> = map.classes.iter().map(|c| c.to_string()).collect();
    let pair = |r: usize, c: usize| {
        let (a, b) = (map.classes[c], map.classes[r]);
        map.pairs.iter().find(|p| p.classes == [a, b] || p.classes == [b, a])
    };
    let gap_b = |r: usize, c: usize| pair(r, c).and_then(|p| p.gap_binarized);
    let gap_s = |r: usize, c: usize| pair(r, c).and_then(|p| p.gap_shuffled);
    let k = map.classes.len();
    let ssim = |r: usize, c: usize| Some(map.ssim_distance[r * k + c]);
    let reflected = if map.reflected {
        ", accuracies below 50 % reflected"
    } else {
        ""
    };
    let heatmap = |name: &str, title: String, value, diagonal, decimals, legend: &str| Heatmap {
        stem: file_stem(&[experiment, name]),
        title,
        labels: labels.clone(),
        value,
        diagonal,
        decimals,
        axis: format!("{} class", map.dataset),
        legend: legend.to_string(),
    };
    let maps = [
        heatmap(
            "gap-binarized",
            format!("{experiment}: full - binarized accuracy (points){reflected}"),
            &gap_b,
            false,
            0,
            "gap (points)",
        ),
        heatmap(
            "gap-shuffled",
            format!("{experiment}: full - shuffled (B) accuracy (points){reflected}"),
            &gap_s,
            false,
            0,
            "gap (points)",
        ),
        heatmap(
            "ssim-distance",
            format!(
                "{}: mean SSIM distance 1 - SSIM ({} pairs)",
                map.dataset, map.ssim_pairs
            ),
            &ssim,
            true,
            2,
            "1 - SSIM",
        ),
    ];
    let mut figures = Vec::new();
    for h in &maps {
        let png = draw::heatmap(h, &dir)?;
        figures.push(Figure::new(ctx.out, experiment, h.title.clone(), &png));
    }
    let points: Vec<(f64, f64, String)> = (map.pairs.iter())
        .filter_map(|p| {
            Some((
                p.ssim_distance,
                p.gap_binarized?,
                format!("{}-{}", p.classes[0], p.classes[1]),
            ))
        })
        .collect();
    let title = format!(
        "binarization gap vs SSIM distance (Spearman {})",
        map.spearman_ssim_gap_binarized
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "n/a".into())
    );
    let s = Scatter {
        stem: file_stem(&[experiment, "gap-vs-ssim"]),
        title: title.clone(),
        x_desc: "mean SSIM distance between the two classes".into(),
        y_desc: "median gap full - binarized (points)".into(),
        points,
    };
    let png = draw::scatter(&s, &dir)?;
    figures.push(Figure::new(ctx.out, experiment, title, &png));
    Ok(figures)
}
