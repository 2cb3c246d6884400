//! Field errors in the page's language. The app states each error in English (the API's
//! text); like gettext, that text is the message id: fixed messages are looked up here, and
//! the few families with a number or a name in them (`at most 500 characters`, `unknown role
//! 'x'`, ...) are recognised by their shape. An error with a message key (`FieldError::key`)
//! uses the main table instead. A message not found here is shown as it is.

use crate::i18n::{Lang, has_key, t};
use fengqiao_domain::FieldError;

/// (English, Chinese)
const FIXED: &[(&str, &str)] = &[
    ("required", "必填"),
    ("a day as YYYY-MM-DD", "请填写日期（年-月-日）"),
    ("a day to come has no post yet", "未到的日子还没有一日一微"),
    ("a post is written within a week of its day", "一日一微只能在当天起一周内起草和发送"),
    ("the post says something", "请填写发送内容"),
    ("the post has been sent", "这条一日一微已发送，不能再修改"),
    ("the post was changed meanwhile; reload it and try again", "这条一日一微已被他人修改，请刷新后重试"),
    ("the period ends before it begins", "结束日期早于开始日期"),
    ("at most 366 days at once", "一次最多统计 366 天"),
    ("draft, sent or none", "请选择：待发送、已发送或未起草"),
    ("person or grid", "请选择：按人员或按网格"),
    ("say why", "请说明原因"),
    ("3–32 characters: lower-case letters, digits, '_', '.', '-'", "3–32 个字符：小写字母、数字、“_”“.”“-”"),
    ("a category code (neighbour, marriage_family, ...)", "请选择纠纷类别"),
    ("a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)", "请填写日期（或日期和时间）"),
    ("a date, YYYY-MM-DD", "请填写日期（年-月-日）"),
    ("use the form YYYY-MM-DD", "请填写日期（年-月-日）"),
    ("a matter cannot be merged into itself", "不能与自身合并"),
    ("a number in degrees", "请填写以度为单位的数字"),
    ("a session is recorded after it is held", "调解结束后再记录"),
    ("a status (registered, accepted, mediating, ..., closed)", "请选择状态"),
    ("an agreement needs at least two parties", "协议至少需要两方当事人"),
    ("applicant, respondent or third_party", "请选择申请人、被申请人或第三人"),
    ("applied, confirmed or declined", "请选择已申请、已确认或未予确认"),
    ("at least one role", "至少选择一个角色"),
    ("choose at least one role", "至少选择一个角色"),
    ("dispute, hazard, request, incident or tip", "请选择事件类型"),
    ("draft the written agreement first", "请先起草书面调解协议"),
    ("filial_harmony, courtesy_and_law or neighbourly_warmth", "请选择调解方法"),
    ("give either an address or lat and lon, not both", "地址与经纬度只填一种"),
    ("given or refused", "请选择同意或拒绝"),
    ("grid, community or street", "请选择网格、社区或街道"),
    ("households, residents or organisations", "请选择住户、人员或单位"),
    ("how it is carried out", "请填写履行方式"),
    ("how the matter came in", "请选择来源"),
    ("must be a GeoJSON Polygon or MultiPolygon", "须为 GeoJSON 多边形"),
    ("no registered household has this address", "没有登记在此地址的住户"),
    ("no second factor is set up for this account", "该账户未设置双因素验证"),
    ("none, yellow, orange or red", "请选择风险等级"),
    ("not a valid time", "时间无效"),
    ("not in the future", "不能晚于现在"),
    ("only JPEG, PNG or WebP photos and PDF files are accepted", "只接受 JPEG、PNG、WebP 照片和 PDF 文件"),
    ("only matters of the same kind are merged", "只能合并同类事件"),
    ("patrol, screening, walk_in, phone or referral", "请选择来源"),
    ("police or auxiliary", "请选择民警或辅警"),
    ("rate all four degrees or none", "四项评价请全部填写或全部不填"),
    ("record at least the applicant and the respondent first", "请先登记申请人和被申请人"),
    ("record which party refused first", "请先登记拒绝调解的当事人"),
    ("simple, ordinary or difficult", "请选择简易、一般或疑难复杂"),
    ("state at least one term: what is done, how, and by when", "至少写明一项条款：做什么、如何做、何时完成"),
    ("state why you need the full number", "请说明查看完整号码的理由"),
    ("success, failure or denied", "请选择成功、失败或拒绝"),
    ("the agreement takes effect when signed; record the signing", "协议经签字后生效，请先登记签署"),
    ("the file is empty", "文件为空"),
    ("the file must be UTF-8 text (CSV)", "文件须为 UTF-8 编码的 CSV 文本"),
    ("urgent, high, normal or low", "请选择紧急程度"),
    ("use the next_cursor of the previous page", "翻页参数无效，请从第一页重新查看"),
    ("what is to be done", "请填写履行内容"),
    ("who carries it out", "请填写履行人"),
    ("choose a kind of visit", "请选择走访类型"),
    ("confirm that the old code stops working", "请确认旧二维码将作废"),
    ("a closed matter is not urged", "事项已办结，无需催办"),
    ("give a location, a household code or an address", "定位、户码或地址，请任选其一填写"),
    ("a name or a description (no control characters or angle brackets)", "请填写姓名或描述（不能含尖括号等特殊字符）"),
    ("choose a kind", "请选择类型"),
    ("unknown kind", "未知类型"),
    ("must be a whole number", "须为整数"),
    ("a unit with this code exists", "该代码已被其他单位使用"),
    ("this username is taken", "该用户名已被使用"),
    ("you cannot change your own roles or unit", "不能修改自己的角色或所属单位"),
    ("must be an 11-digit mainland mobile number starting 13–19", "须为 13–19 开头的 11 位手机号码"),
    ("the first 17 characters must be digits and the last a digit or X", "前 17 位须为数字，最后一位为数字或 X"),
    ("dingtalk, wecom or webhook", "请选择钉钉、企业微信或 Webhook"),
    (
        "a DingTalk robot's address (https://oapi.dingtalk.com/robot/send?access_token=…)",
        "须为钉钉机器人地址（https://oapi.dingtalk.com/robot/send?access_token=…）",
    ),
    (
        "a WeCom robot's address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)",
        "须为企业微信机器人地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）",
    ),
    ("an address allowed by the robot_url_prefixes setting", "须为 robot_url_prefixes 设置允许的地址"),
    ("the robot's signing secret (SEC…): sign its messages", "请填写机器人的加签密钥（SEC 开头）"),
    ("a key of 16–200 characters to sign the requests", "请填写 16–200 位签名密钥"),
    ("WeCom robots have no secret; leave it empty", "企业微信机器人无需密钥，请留空"),
    ("2–2000 characters: what is to be done", "请填写 2–2000 个字：要做什么"),
    ("2–2000 characters: what was done", "请填写 2–2000 个字：办理情况"),
    ("2–2000 characters: why", "请填写 2–2000 个字：原因"),
    ("normal, urgent or critical", "请选择普通、紧急或特急"),
    ("5–1440 minutes", "请填写 5–1440 分钟"),
    ("when the report back is due (YYYY-MM-DDTHH:MM)", "请填写反馈期限（日期和时间）"),
    ("at most 90 days ahead", "最多 90 天以后"),
    ("name one person (to_user) or one unit (to_unit)", "请选择一名人员或一个单位"),
    ("outside your jurisdiction", "不在您的管辖范围内"),
    ("acknowledge, report, return, close or reject", "请选择签收、反馈、退回、销号或退回重办"),
    ("mine, issued or all", "请选择待我办理、我下达的或辖区全部"),
    ("sent, delivered, acknowledged, reported, closed or returned", "请选择指令状态"),
    ("the instruction changed meanwhile; reload it", "指令已被他人处理，请刷新后再试"),
    ("only the recipient acknowledges, reports on or returns an instruction", "只有接收人可以签收、反馈或退回指令"),
    (
        "record that the parties were told of the arbitration, administrative and court routes",
        "请记录已告知当事人仲裁、行政、诉讼等途径",
    ),
];

/// The message in the page's language.
pub fn field_message(lang: Lang, f: &FieldError) -> String {
    if let Some(key) = f.key.filter(|k| has_key(k)) {
        return t(lang, key);
    }
    translate(lang, &f.message)
}

/// An English message in `lang` (unchanged in English, or when no translation is known).
pub fn translate(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_string();
    }
    if let Some((_, zh)) = FIXED.iter().find(|(en, _)| *en == message) {
        return zh.to_string();
    }
    shaped(message).unwrap_or_else(|| message.to_string())
}

/// The families of messages with a number or a name in them.
fn shaped(m: &str) -> Option<String> {
    let between = |s: &str, pre: &str, post: &str| -> Option<String> {
        s.strip_prefix(pre).and_then(|r| r.strip_suffix(post)).map(String::from)
    };
    if let Some(n) = between(m, "at most ", " characters") {
        return Some(format!("最多 {n} 个字"));
    }
    if let Some(n) = between(m, "at most ", " files") {
        return Some(format!("最多 {n} 个文件"));
    }
    if let Some(r) = m.strip_suffix(" characters")
        && r.contains('–')
        && r.chars().all(|c| c.is_ascii_digit() || c == '–')
    {
        return Some(format!("请填写 {r} 个字"));
    }
    if let Some(r) = m.strip_prefix("between ")
        && let Some((a, b)) = r.split_once(" and ")
    {
        return Some(format!("应在 {a} 到 {b} 之间"));
    }
    if let Some(list) = m.strip_prefix("one of ") {
        return Some(format!("可选：{list}"));
    }
    if let Some(n) = between(m, "larger than ", " MB") {
        return Some(format!("超过 {n} MB"));
    }
    if let Some(x) = between(m, "unknown role '", "'") {
        return Some(format!("未知角色“{x}”"));
    }
    if let Some(x) = between(m, "unknown mediator kind '", "'") {
        return Some(format!("未知调解员类别“{x}”"));
    }
    if let Some(x) = between(m, "unknown unit kind '", "'") {
        return Some(format!("未知单位类型“{x}”"));
    }
    if m.starts_with("unknown category") {
        return Some(match m.split_once("one of ") {
            Some((_, list)) => format!("未知的纠纷类别；可选：{list}"),
            None => "未知的纠纷类别".into(),
        });
    }
    if let Some(r) = m.strip_prefix("no unit with code '") {
        let code = r.split('\'').next().unwrap_or("");
        return Some(format!("管辖范围内没有代码为“{code}”的单位"));
    }
    if let Some(x) = between(m, "no unit \"", "\" in your jurisdiction") {
        return Some(format!("管辖范围内没有代码为“{x}”的单位"));
    }
    if let Some(x) = between(m, "no grid \"", "\" in your jurisdiction") {
        return Some(format!("管辖范围内没有代码为“{x}”的网格"));
    }
    if let Some(x) = between(m, "no unit \"", "\"") {
        return Some(format!("没有代码为“{x}”的单位"));
    }
    if let Some(x) = between(m, "no household \"", "\"") {
        return Some(format!("没有户码为“{x}”的住户"));
    }
    if let Some(x) = between(m, "no matter \"", "\"") {
        return Some(format!("没有编号为“{x}”的事件"));
    }
    if let Some(x) = between(m, "\"", "\" is not a party") {
        return Some(format!("“{x}”不是本案当事人"));
    }
    if let Some(x) = between(m, "\"", "\" is not a mediator") {
        return Some(format!("“{x}”不是调解员"));
    }
    if let Some(n) = between(m, "must be 18 characters, got ", "") {
        return Some(format!("须为 18 位，实际 {n} 位"));
    }
    if let Some(r) = m.strip_prefix("check digit is ") {
        return Some(format!("校验位错误（{r}）").replace(", expected ", "，应为 "));
    }
    if let Some(r) = m.strip_prefix("mediation needs every party's consent; ") {
        return Some(format!("调解须经各方当事人同意（{r}）").replace(" have not given it", " 方未同意"));
    }
    if let Some(n) = between(m, "", " terms not yet carried out") {
        return Some(format!("尚有 {n} 项条款未履行"));
    }
    if let Some(r) = m.strip_prefix('"')
        && let Some((event, rest)) = r.split_once("\" is not allowed when the matter is \"")
        && let Some(status) = rest.strip_suffix('"')
    {
        let (ev, st) = (format!("ev_{event}"), format!("ms_{status}"));
        if has_key(&ev) && has_key(&st) {
            return Some(format!("事件当前为“{}”，不能“{}”", t(Lang::ZhCn, &st), t(Lang::ZhCn, &ev)));
        }
    }
    if let Some(n) = between(m, "must be no earlier than the deadline to acknowledge (", " minutes from now)") {
        return Some(format!("不能早于签收期限（{n} 分钟后）"));
    }
    if let Some(x) = between(m, "\"", "\" does not take instructions") {
        return Some(format!("“{x}”不接收指令"));
    }
    if let Some(r) = m.strip_prefix("unknown topic \"") {
        return Some(format!("未知的通知类型“{}”", r.split('"').next().unwrap_or("")));
    }
    if let Some(x) = between(m, "no account \"", "\"") {
        return Some(format!("没有用户名为“{x}”的账户"));
    }
    if let Some((event, status)) = m.split_once(" is not allowed when the instruction is ") {
        let (ev, st) = (format!("ie_{event}"), format!("is_{status}"));
        if has_key(&ev) && has_key(&st) {
            return Some(format!("指令当前为“{}”，不能“{}”", t(Lang::ZhCn, &st), t(Lang::ZhCn, &ev)));
        }
    }
    if let Some(r) = m.strip_prefix("state ")
        && let Some(what) = r.strip_suffix(" (at least 4 characters)")
    {
        return Some(format!("请写明{what}（至少 4 个字）"));
    }
    None
}

/// A field's name as the page calls it (for messages that list several fields).
pub fn field_label(lang: Lang, field: &str) -> String {
    let base = field.split(['[', ' ']).next().unwrap_or(field);
    let key = format!("field_{base}");
    if has_key(&key) { format!("{}{}", t(lang, &key), &field[base.len()..]) } else { field.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_pages_read_chinese_errors() {
        let zh = |m: &str| translate(Lang::ZhCn, m);
        assert_eq!(zh("at most 500 characters"), "最多 500 个字");
        assert_eq!(zh("2–5000 characters"), "请填写 2–5000 个字");
        assert_eq!(zh("between 1 and 500"), "应在 1 到 500 之间");
        assert_eq!(zh("unknown role 'king'"), "未知角色“king”");
        assert_eq!(zh("no unit with code 'NOPE' in your jurisdiction"), "管辖范围内没有代码为“NOPE”的单位");
        assert_eq!(zh("required"), "必填");
        assert_eq!(zh("no unit \"XY-C09\" in your jurisdiction"), "管辖范围内没有代码为“XY-C09”的单位");
        assert_eq!(
            zh(&fengqiao_domain::five_small::period_refusal(
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            )
            .unwrap()),
            "一次最多统计 366 天"
        );
        assert_eq!(zh(&fengqiao_domain::daily_post::check_body(" ").unwrap_err()), "请填写发送内容");
        assert_eq!(zh(&fengqiao_domain::daily_post::check_body(&"字".repeat(1001)).unwrap_err()), "最多 1000 个字");
        let step = fengqiao_domain::matter::IllegalTransition {
            status: fengqiao_domain::matter::Status::Registered,
            event: fengqiao_domain::matter::Event::ReachAgreement,
        };
        assert_eq!(zh(&step.to_string()), "事件当前为“已登记”，不能“达成调解协议”");
        assert_eq!(field_label(Lang::ZhCn, "photos[2] evil.jpg"), "照片[2] evil.jpg");
        assert_eq!(field_label(Lang::ZhCn, "narrative"), "具体情况");
        assert_eq!(field_label(Lang::ZhCn, "mystery"), "mystery");
        assert_eq!(zh("something new"), "something new", "unknown messages pass through");
        assert_eq!(translate(Lang::En, "required"), "required");
        let keyed = FieldError::new("password", "at least 12 characters").keyed("pw_too_short_12");
        assert_eq!(field_message(Lang::ZhCn, &keyed), "密码至少 12 个字符");
    }

    #[test]
    fn every_fixed_message_has_a_translation_once() {
        for (i, (en, zh)) in FIXED.iter().enumerate() {
            assert!(!zh.is_empty() && zh != en);
            assert!(FIXED[i + 1..].iter().all(|(e, _)| e != en), "{en} twice");
        }
    }
}

/// The language an API client asks for with `Accept-Language`: Chinese for any `zh` tag
/// preferred over the others (by its q-value), English otherwise (the API's default).
pub fn accept_language(headers: &axum::http::HeaderMap) -> Lang {
    let Some(v) = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for item in v.split(',').take(20) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::ZhCn
        } else if tag == "en" || tag.starts_with("en-") || tag == "*" {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// An error body (`{"error": {"message", "fields": [{"message", "key"}]}}`) with its
/// messages in `lang`: by key where a field error has one, else by the English text.
pub fn localise_error_body(lang: Lang, body: &mut serde_json::Value) {
    let Some(err) = body.get_mut("error") else { return };
    let fields: Vec<(String, String)> = err["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let key = f["key"].as_str().filter(|k| has_key(k));
                    let message = f["message"].as_str().unwrap_or_default();
                    let local = match key {
                        Some(k) => t(lang, k),
                        None => translate(lang, message),
                    };
                    (f["field"].as_str().unwrap_or_default().to_string(), local)
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(fs) = err["fields"].as_array_mut() {
        for (f, (_, local)) in fs.iter_mut().zip(&fields) {
            f["message"] = serde_json::Value::String(local.clone());
        }
    }
    let is_validation = err["code"] == "validation";
    let message = match (is_validation, fields.first()) {
        (true, Some((field, local))) => format!("{}：{}", field_label(lang, field), local),
        _ => translate(lang, err["message"].as_str().unwrap_or_default()),
    };
    err["message"] = serde_json::Value::String(message);
}

#[cfg(test)]
mod accept_language_tests {
    use super::*;

    fn lang(v: &str) -> Lang {
        let mut h = axum::http::HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, v.parse().unwrap());
        accept_language(&h)
    }

    #[test]
    fn the_preferred_language_wins() {
        assert_eq!(accept_language(&axum::http::HeaderMap::new()), Lang::En);
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(lang("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(lang("en;q=0.5, zh-Hans"), Lang::ZhCn);
        assert_eq!(lang("fr, de"), Lang::En);
        assert_eq!(lang("zh;q=0"), Lang::En);
        assert_eq!(lang("ZH"), Lang::ZhCn);
    }
}
