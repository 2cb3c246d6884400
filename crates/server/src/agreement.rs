//! The mediation agreement (人民调解协议书) as a document: built once from the case as a
//! list of blocks, then rendered as printable HTML (a template) and as a PDF (krilla, with
//! an embedded CJK font, WenQuanYi Micro Hei, subset into the file; line breaking of our
//! own that keeps closing punctuation off the start of a line).
//!
//! The parts follow the People's Mediation Law (art. 29): the parties' basic details, the
//! facts and points in dispute, the responsibilities, the terms with how and by when they
//! are carried out; effect on signature and seal; joint judicial confirmation within 30
//! days of effect.

use fengqiao_app::casefile::{AgreementRow, Party, TermRow};
use serde::Serialize;

static FONT: &[u8] = include_bytes!("../assets/fonts/wqy-microhei.ttc");

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Title {
        text: String,
    },
    Number {
        text: String,
    },
    Heading {
        text: String,
    },
    Para {
        text: String,
    },
    /// Signature and seal lines: label, then space to sign.
    Signatures {
        lines: Vec<String>,
    },
}

fn date_zh(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y年%-m月%-d日").to_string())
        .unwrap_or_default()
}

fn sex_and_birth(id: &str) -> Option<String> {
    let id = fengqiao_domain::IdNumber::parse(id).ok()?;
    Some(format!("{}，{}出生", if id.is_male() { "男" } else { "女" }, id.birth_date().format("%Y年%-m月%-d日")))
}

/// The agreement's blocks. `parties` carry the full numbers when the reader may see them
/// (the printed agreement for signing), masked otherwise.
pub fn blocks(committee: &str, a: &AgreementRow, parties: &[Party], terms: &[TermRow]) -> Vec<Block> {
    let mut b = vec![
        Block::Title { text: "人民调解协议书".into() },
        Block::Number { text: a.number.clone() },
        Block::Heading { text: "当事人".into() },
    ];
    for p in parties {
        let role = fengqiao_domain::mediation::PartyRole::parse(&p.role).map(|r| r.label_zh()).unwrap_or("当事人");
        let mut text = format!("{role}：{}", p.name);
        if let Some(id) = &p.id_number {
            if let Some(sb) = sex_and_birth(id) {
                text.push_str(&format!("，{sb}"));
            }
            text.push_str(&format!("，公民身份号码 {id}"));
        }
        if !p.address.is_empty() {
            text.push_str(&format!("，住{}", p.address));
        }
        if let Some(phone) = &p.phone {
            text.push_str(&format!("，联系电话 {phone}"));
        }
        text.push('。');
        b.push(Block::Para { text });
    }
    b.push(Block::Heading { text: "纠纷主要事实".into() });
    b.push(Block::Para { text: a.facts.clone() });
    b.push(Block::Heading { text: "争议事项".into() });
    b.push(Block::Para { text: a.points.clone() });
    b.push(Block::Heading { text: "各方责任".into() });
    b.push(Block::Para { text: a.responsibilities.clone() });
    b.push(Block::Heading { text: "经调解，双方自愿达成如下协议".into() });
    for t in terms {
        b.push(Block::Para {
            text: format!(
                "{}、{}于{}前{}，履行方式：{}。",
                t.seq,
                t.obligor,
                date_zh(t.due_at),
                t.content.trim_end_matches('。'),
                t.manner.trim_end_matches('。')
            ),
        });
    }
    b.push(Block::Heading { text: "履行与效力".into() });
    b.push(Block::Para {
        text: format!(
            "本协议经双方当事人签名（盖章或按指印）、人民调解员签名并加盖{committee}印章之日起生效，对双方当事人具有法律约束力，当事人应当按照约定履行。"
        ),
    });
    b.push(Block::Para {
        text: "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认。".into(),
    });
    b.push(Block::Para {
        text: format!("本协议一式{}份，当事人各执一份，{committee}留存一份。", parties.len() + 1)
    });
    let mut lines: Vec<String> = parties
        .iter()
        .map(|p| {
            let role = fengqiao_domain::mediation::PartyRole::parse(&p.role).map(|r| r.label_zh()).unwrap_or("当事人");
            format!("{role}（签名）：")
        })
        .collect();
    lines.push(format!("人民调解员（签名）：{}", a.mediator));
    lines.push(format!("{committee}（印章）"));
    lines.push(match a.signed_at {
        Some(t) => date_zh(t),
        None => "    年    月    日".into(),
    });
    b.push(Block::Signatures { lines });
    b
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 72.0;
const MARGIN_TOP: f32 = 72.0;
const MARGIN_BOTTOM: f32 = 72.0;

/// Width of a character in ems: CJK and full-width forms are square, the rest about half.
fn em(c: char) -> f32 {
    if c.is_ascii() { 0.55 } else { 1.0 }
}

/// Characters that must not begin a line (行首禁则).
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕’”%·…—,.;:?!)".contains(c)
}

/// Break a paragraph into lines no wider than `width` ems; closing punctuation stays with
/// the character before it.
pub fn wrap(text: &str, width: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut w = indent;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_forbidden = chars.get(i + 1).is_some_and(|n| no_line_start(*n));
        cur.push(c);
        w += em(c);
        // Break when full, but never right before a character that may not start a line;
        // a run of Latin letters and digits (an ID number, a phone) moves down whole.
        if w >= width - 1.0 && !next_forbidden && i + 1 < chars.len() {
            let word = |c: char| c.is_ascii_alphanumeric();
            let mut carry = String::new();
            if word(c) && word(chars[i + 1]) {
                let run: String =
                    cur.chars().rev().take_while(|c| word(*c)).collect::<Vec<_>>().into_iter().rev().collect();
                if run.chars().count() < cur.chars().count() {
                    cur.truncate(cur.len() - run.len());
                    carry = run;
                }
            }
            lines.push(std::mem::take(&mut cur));
            w = carry.chars().map(em).sum();
            cur = carry;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A line of text placed on a page: (page, x, y, size, text).
type Placed = (usize, f32, f32, f32, String);
/// A signature rule: (page, x0, x1, y).
type Rule = (usize, f32, f32, f32);

/// Lay the blocks out on A4 pages. A heading is not left at the foot of a page, and the
/// signature block keeps the paragraph before it on its page (the signatures never stand
/// alone on a page of their own, away from what is signed).
fn layout(blocks: &[Block]) -> (Vec<Placed>, Vec<Rule>, usize) {
    let mut items: Vec<Placed> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    let mut page = 0usize;
    let mut y = MARGIN_TOP;
    let body = 12.0f32;
    let lead = body * 1.9;
    let width_em = (PAGE_W - 2.0 * MARGIN_X) / body;
    let need = |y: &mut f32, page: &mut usize, h: f32| {
        if *y + h > PAGE_H - MARGIN_BOTTOM {
            *page += 1;
            *y = MARGIN_TOP;
        }
    };
    let signatures_height = |n: usize| lead * (1.0 + 1.6 * n as f32);
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Title { text } => {
                let size = 22.0;
                let w: f32 = text.chars().map(em).sum::<f32>() * size;
                y += size;
                items.push((page, (PAGE_W - w) / 2.0, y, size, text.clone()));
                y += size * 0.8;
            }
            Block::Number { text } => {
                let w: f32 = text.chars().map(em).sum::<f32>() * body;
                y += body;
                items.push((page, PAGE_W - MARGIN_X - w, y, body, text.clone()));
                y += body;
            }
            Block::Heading { text } => {
                need(&mut y, &mut page, lead * 2.0);
                y += lead * 1.1;
                items.push((page, MARGIN_X, y, 13.0, text.clone()));
            }
            Block::Para { text } => {
                let lines = wrap(text, width_em, 2.0);
                if let Some(Block::Signatures { lines: sig }) = blocks.get(i + 1) {
                    need(&mut y, &mut page, lead * lines.len() as f32 + signatures_height(sig.len()));
                }
                for (j, line) in lines.into_iter().enumerate() {
                    need(&mut y, &mut page, lead);
                    y += lead;
                    let x = if j == 0 { MARGIN_X + 2.0 * body } else { MARGIN_X };
                    items.push((page, x, y, body, line));
                }
            }
            Block::Signatures { lines } => {
                need(&mut y, &mut page, signatures_height(lines.len()));
                y += lead;
                for line in lines {
                    y += lead * 1.6;
                    let x = PAGE_W / 2.0 - 40.0;
                    items.push((page, x, y, body, line.clone()));
                    if line.ends_with('：') {
                        let w: f32 = line.chars().map(em).sum::<f32>() * body;
                        rules.push((page, x + w + 4.0, PAGE_W - MARGIN_X, y + 3.0));
                    }
                }
            }
        }
    }
    (items, rules, page + 1)
}

/// Render the blocks as an A4 PDF with the embedded font.
pub fn pdf(title: &str, blocks: &[Block]) -> anyhow::Result<Vec<u8>> {
    use krilla::Document;
    use krilla::geom::{PathBuilder, Point};
    use krilla::metadata::Metadata;
    use krilla::page::PageSettings;
    use krilla::text::{Font, TextDirection};

    let font =
        Font::new(krilla::Data::from(FONT), 0).ok_or_else(|| anyhow::anyhow!("the embedded font does not load"))?;
    let mut doc = Document::new();
    doc.set_metadata(Metadata::new().title(title.to_string()).language("zh-CN".into()).creator("Fengqiao".into()));
    let (items, rules, pages) = layout(blocks);
    for p in 0..pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow::anyhow!("page size"))?;
        let mut pg = doc.start_page_with(settings);
        let mut surface = pg.surface();
        for (_, x, y, size, text) in items.iter().filter(|i| i.0 == p) {
            surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, text, false, TextDirection::Auto);
        }
        surface.set_fill(None);
        surface.set_stroke(Some(krilla::paint::Stroke::default()));
        for (_, x0, x1, y) in rules.iter().filter(|r| r.0 == p) {
            let mut pb = PathBuilder::new();
            pb.move_to(*x0, *y);
            pb.line_to(*x1, *y);
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        surface.set_stroke(None);
        surface.set_fill(Some(krilla::paint::Fill::default()));
        let footer = format!("第 {} 页 共 {pages} 页", p + 1);
        let w: f32 = footer.chars().map(em).sum::<f32>() * 9.0;
        surface.draw_text(
            Point::from_xy((PAGE_W - w) / 2.0, PAGE_H - MARGIN_BOTTOM / 2.0),
            font.clone(),
            9.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        pg.finish();
    }
    doc.finish().map_err(|e| anyhow::anyhow!("PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Block> {
        let day = |d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(15, 59, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        let a = AgreementRow {
            number: "调协20261130-000042号".into(),
            facts: "赵立新家空调外机冷凝水长期滴落至王建国家阳台。".into(),
            points: "滴水责任及维修费用承担。".into(),
            responsibilities: "赵立新负责加装排水管，王建国予以配合。".into(),
            mediator: "李调解".into(),
            drafted_at: day("2026-11-29"),
            signed_at: Some(day("2026-11-30")),
            judicial_confirmation_due_at: None,
            judicial_confirmation: "none".into(),
            judicial_confirmation_at: None,
            reminded_at: None,
        };
        let party = |id: i64, role: &str, name: &str, idn: Option<&str>, phone: Option<&str>, addr: &str| Party {
            id,
            role: role.into(),
            name: name.into(),
            resident_id: None,
            id_number: idn.map(String::from),
            phone: phone.map(String::from),
            address: addr.into(),
            vulnerable: false,
            consent: "given".into(),
            consent_at: None,
            consent_note: String::new(),
        };
        let parties = [
            party(
                1,
                "applicant",
                "王建国",
                Some("141181198211110173"),
                Some("13903580001"),
                "府前街1号幸福小区1号楼101室",
            ),
            party(2, "respondent", "赵立新", None, Some("139****0002"), ""),
        ];
        let term = |seq: i64, obligor: &str, content: &str, manner: &str, due: &str| TermRow {
            seq,
            obligor: obligor.into(),
            content: content.into(),
            manner: manner.into(),
            due_at: day(due),
            performed_at: None,
            performed_note: String::new(),
        };
        let terms = [
            term(1, "赵立新", "加装空调冷凝水排水管", "自行请人安装", "2026-12-15"),
            term(2, "王建国", "承担安装费用的一半（150元）。", "现金当面支付", "2026-12-20"),
        ];
        blocks("新义街道人民调解委员会", &a, &parties, &terms)
    }

    fn as_text(blocks: &[Block]) -> String {
        blocks
            .iter()
            .map(|b| match b {
                Block::Title { text } => format!("# {text}"),
                Block::Number { text } => format!("> {text}"),
                Block::Heading { text } => format!("## {text}"),
                Block::Para { text } => text.clone(),
                Block::Signatures { lines } => lines.join("\n"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Issue 10, item 10: however long the terms, the signatures share their page with the
    /// paragraph before them (they used to fall alone on page 2).
    #[test]
    fn the_signatures_stay_with_the_text() {
        let base = sample();
        for extra in 0..40 {
            let mut blocks = base.clone();
            let at = blocks.iter().position(|b| matches!(b, Block::Heading { text } if text == "履行与效力")).unwrap();
            for k in 0..extra {
                blocks.insert(
                    at,
                    Block::Para {
                        text: format!("{}、补充条款：双方同意按约定时间履行，逾期由网格员督促。", k + 3)
                    },
                );
            }
            let (items, _, pages) = layout(&blocks);
            let page_of = |needle: &str| items.iter().find(|i| i.4.contains(needle)).map(|i| i.0).unwrap();
            let sign = page_of("人民调解员（签名）");
            assert_eq!(sign, page_of("本协议一式"), "{extra} extra terms");
            assert_eq!(sign, pages - 1, "the signatures end the document");
            let first_signature = items.iter().position(|i| i.4.ends_with("（签名）：")).unwrap();
            assert!(items[..first_signature].iter().any(|i| i.0 == sign), "{extra}: not alone on its page");
        }
    }

    /// Snapshot of the agreement: every part the People's Mediation Law requires.
    #[test]
    fn the_agreement_has_every_required_part() {
        let expected = "\
# 人民调解协议书
> 调协20261130-000042号
## 当事人
申请人：王建国，男，1982年11月11日出生，公民身份号码 141181198211110173，住府前街1号幸福小区1号楼101室，联系电话 13903580001。
被申请人：赵立新，联系电话 139****0002。
## 纠纷主要事实
赵立新家空调外机冷凝水长期滴落至王建国家阳台。
## 争议事项
滴水责任及维修费用承担。
## 各方责任
赵立新负责加装排水管，王建国予以配合。
## 经调解，双方自愿达成如下协议
1、赵立新于2026年12月15日前加装空调冷凝水排水管，履行方式：自行请人安装。
2、王建国于2026年12月20日前承担安装费用的一半（150元），履行方式：现金当面支付。
## 履行与效力
本协议经双方当事人签名（盖章或按指印）、人民调解员签名并加盖新义街道人民调解委员会印章之日起生效，对双方当事人具有法律约束力，当事人应当按照约定履行。
双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认。
本协议一式3份，当事人各执一份，新义街道人民调解委员会留存一份。
申请人（签名）：
被申请人（签名）：
人民调解员（签名）：李调解
新义街道人民调解委员会（印章）
2026年11月30日";
        assert_eq!(as_text(&sample()), expected);
    }

    /// The PDF's text, read back by poppler's pdftotext (installed by scripts/ensure-browser).
    #[test]
    fn the_pdf_carries_the_agreements_text() {
        let bytes = pdf("人民调解协议书", &sample()).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() < 400_000, "the font is subset: {} bytes", bytes.len());
        let dir = std::env::temp_dir().join(format!("fq-pdf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("agreement.pdf");
        std::fs::write(&file, &bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (Debian poppler-utils; scripts/ensure-browser installs it)");
        assert!(out.status.success());
        let text: String = String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect();
        for part in [
            "人民调解协议书",
            "调协20261130-000042号",
            "申请人：王建国",
            "141181198211110173",
            "纠纷主要事实",
            "争议事项",
            "各方责任",
            "加装空调冷凝水排水管",
            "三十日内共同向人民法院申请司法确认",
            "人民调解员（签名）：李调解",
            "新义街道人民调解委员会（印章）",
            "第1页共",
        ] {
            assert!(text.contains(part), "{part} missing from the PDF text: {text}");
        }
        if let Ok(keep) = std::env::var("FENGQIAO_KEEP_PDF") {
            std::fs::copy(&file, keep).unwrap();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn lines_break_within_width_and_keep_punctuation_off_the_start() {
        let text = "赵立新家空调外机冷凝水长期滴落至王建国家阳台，造成阳台地面湿滑、墙面发霉。双方多次沟通未果。";
        for width in [8.0, 10.0, 13.0, 37.0] {
            let lines = wrap(text, width, 0.0);
            assert_eq!(lines.concat(), text, "nothing lost");
            for l in &lines[1..] {
                assert!(!no_line_start(l.chars().next().unwrap()), "{l} starts with closing punctuation");
            }
            for l in &lines {
                assert!(l.chars().map(em).sum::<f32>() <= width + 1.0, "{l} too wide for {width}");
            }
        }
    }
}
