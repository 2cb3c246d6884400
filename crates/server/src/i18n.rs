//! The UI's two languages: Simplified Chinese (default) and English. Templates call
//! `t("key")`; the table below holds every string. A test checks that every key the
//! templates use is here.

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    En,
}

pub const LANG_COOKIE: &str = "fq_lang";

impl Lang {
    pub fn from_headers(h: &HeaderMap) -> Lang {
        match crate::auth::cookie(h, LANG_COOKIE) {
            Some("en") => Lang::En,
            _ => Lang::ZhCn,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// (key, zh-CN, en)
const TABLE: &[(&str, &str, &str)] = &[
    ("app_name", "枫桥", "Fengqiao"),
    ("app_tagline", "基层矛盾纠纷多元化解平台", "Community policing and dispute resolution"),
    ("login", "登录", "Log in"),
    ("logout", "退出", "Log out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("new_password", "新密码", "New password"),
    ("current_password", "当前密码", "Current password"),
    ("totp_code", "动态验证码", "One-time code"),
    ("totp_title", "双因素验证", "Two-factor verification"),
    ("totp_prompt", "请输入身份验证器上显示的 6 位验证码。", "Enter the 6-digit code shown by your authenticator app."),
    ("totp_setup", "设置双因素验证", "Set up two-factor verification"),
    (
        "totp_setup_required",
        "您的角色要求启用双因素验证。请在身份验证器中添加下列密钥，然后输入验证码。",
        "Your role requires two-factor verification. Add the key below to your authenticator app, then enter a code.",
    ),
    ("totp_secret", "密钥", "Secret key"),
    ("totp_enabled", "已启用双因素验证", "Two-factor verification is on"),
    ("totp_not_enabled", "未启用双因素验证", "Two-factor verification is off"),
    ("enable", "启用", "Enable"),
    ("verify", "验证", "Verify"),
    ("save", "保存", "Save"),
    ("create", "新建", "Create"),
    ("search", "查询", "Search"),
    ("reset", "重置", "Reset"),
    ("export_csv", "导出 CSV", "Export CSV"),
    ("language", "语言", "Language"),
    ("lang_other", "English", "中文"),
    ("lang_other_code", "en", "zh-CN"),
    ("nav_dashboard", "工作台", "Dashboard"),
    ("nav_map", "一区一图", "Map"),
    ("nav_registry", "实有人口", "Registry"),
    ("nav_matters", "事件受理", "Matters"),
    ("nav_disputes", "矛盾纠纷", "Disputes"),
    ("nav_warning", "民转刑预警", "Early warning"),
    ("nav_command", "指挥调度", "Command room"),
    ("nav_lists", "三张清单", "Three lists"),
    ("nav_meetings", "会议", "Meetings"),
    ("nav_assessment", "绩效考核", "Assessment"),
    ("nav_statistics", "统计分析", "Statistics"),
    ("nav_org", "组织架构", "Organisation"),
    ("nav_people", "人员管理", "People"),
    ("nav_volunteers", "义警队伍", "Volunteers"),
    ("nav_audit", "审计日志", "Audit log"),
    ("nav_account", "我的账户", "My account"),
    ("nav_group_work", "业务", "Work"),
    ("nav_group_admin", "管理", "Administration"),
    ("coming_title", "建设中", "Not yet available"),
    (
        "coming_body",
        "此功能尚未上线，将在后续版本中提供。",
        "This area is not available yet; it arrives in a later release.",
    ),
    ("jurisdiction", "管辖范围", "Jurisdiction"),
    ("roles", "角色", "Roles"),
    ("role", "角色", "Role"),
    ("name", "名称", "Name"),
    ("person_name", "姓名", "Name"),
    ("code", "编码", "Code"),
    ("kind", "类型", "Kind"),
    ("unit", "所属单位", "Unit"),
    ("title", "职务", "Position"),
    ("phone", "手机号", "Phone"),
    ("address", "地址", "Address"),
    ("sort_order", "排序", "Order"),
    ("geometry", "边界（GeoJSON）", "Boundary (GeoJSON)"),
    ("officer_rank", "警员类别", "Officer rank"),
    ("rank_police", "民警", "Police officer"),
    ("rank_auxiliary", "辅警", "Auxiliary officer"),
    ("mediator_kind", "调解员类别", "Mediator kind"),
    ("none", "无", "None"),
    ("status", "状态", "Status"),
    ("active", "正常", "Active"),
    ("disabled", "已停用", "Disabled"),
    ("locked", "已锁定", "Locked"),
    ("no_password", "未设置密码", "No password set"),
    ("actions", "操作", "Actions"),
    ("details", "详情", "Details"),
    ("edit", "编辑", "Edit"),
    ("children", "下级单位", "Units below"),
    ("add_child", "新增下级单位", "Add a unit below"),
    ("people_here", "本单位人员", "People in this unit"),
    ("count", "数量", "Count"),
    ("total", "合计", "Total"),
    ("dash_welcome", "您好", "Hello"),
    ("dash_org_figures", "组织与队伍", "Organisation and people"),
    ("dash_staff", "工作人员", "Staff"),
    ("dash_volunteers", "义警志愿者", "Volunteers"),
    ("people_title", "人员管理", "People"),
    ("new_person", "新建人员账号", "New staff account"),
    ("filter_text", "姓名/用户名/单位", "Name, username or unit"),
    ("all_roles", "全部角色", "All roles"),
    ("reveal_phone", "查看完整号码", "Show full number"),
    ("reveal_purpose", "查看事由", "Purpose"),
    (
        "reveal_note",
        "查看完整个人信息将被记录在审计日志中。",
        "Viewing full personal data is recorded in the audit log.",
    ),
    ("set_password", "设置密码", "Set password"),
    ("unlock", "解除锁定", "Unlock"),
    ("reset_totp", "重置双因素验证", "Reset two-factor"),
    ("change_password", "修改密码", "Change password"),
    ("password_expired", "您的密码已过期，请设置新密码。", "Your password has expired; set a new one."),
    ("saved", "已保存", "Saved"),
    ("volunteers_title", "义警队伍", "Volunteers"),
    ("volunteer_kind", "类别", "Kind"),
    ("vk_volunteer_police", "义警", "Volunteer police"),
    ("vk_yongan", "永安义警", "Yong'an volunteer"),
    ("vk_counsellor", "心理咨询师", "Counsellor"),
    ("team", "所属队伍", "Team"),
    ("new_volunteer", "登记义警", "Register a volunteer"),
    ("skills", "特长", "Skills"),
    ("audit_title", "审计日志", "Audit log"),
    ("audit_time", "时间", "Time"),
    ("audit_actor", "操作人", "Actor"),
    ("audit_action", "操作", "Action"),
    ("audit_object", "对象", "Object"),
    ("audit_result", "结果", "Result"),
    ("audit_client", "来源地址", "Client"),
    ("audit_purpose", "事由", "Purpose"),
    ("audit_detail", "说明", "Detail"),
    ("audit_from", "起始日期", "From"),
    ("audit_to", "截止日期", "To"),
    ("result_success", "成功", "Success"),
    ("result_failure", "失败", "Failure"),
    ("result_denied", "拒绝", "Denied"),
    ("all", "全部", "All"),
    ("prev_page", "上一页", "Previous"),
    ("next_page", "下一页", "Next"),
    ("page_of", "共 {n} 条", "{n} in all"),
    ("error_title", "出错了", "Something went wrong"),
    ("error_forbidden", "您没有权限执行此操作。", "You are not allowed to do this."),
    ("error_not_found", "页面不存在。", "This page does not exist."),
    ("error_internal", "服务器内部错误，请稍后重试。", "Internal server error; please try again later."),
    ("back_home", "返回工作台", "Back to the dashboard"),
    ("invalid_credentials", "用户名或密码错误", "Wrong username or password"),
    ("account_locked", "账号已临时锁定，请稍后再试", "The account is locked for a while; try again later"),
    ("invalid_totp", "验证码错误或已使用", "Wrong or reused code"),
    ("csrf_expired", "表单已过期，请刷新后重试", "The form expired; reload and try again"),
    ("pw_too_long", "密码不能超过 128 个字符", "At most 128 characters"),
    ("pw_common", "该密码过于常见，请换一个", "This password is too common"),
    ("pw_contains_username", "密码不能包含用户名", "The password must not contain the username"),
    ("pw_too_short_12", "密码至少 12 个字符", "At least 12 characters"),
    ("pw_too_short_8", "密码至少 8 个字符", "At least 8 characters"),
    (
        "pw_classes",
        "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        "Use at least three of: upper case, lower case, digits, symbols",
    ),
    ("pw_wrong_current", "当前密码错误", "The current password is wrong"),
    ("required", "必填", "Required"),
    ("field_invalid", "格式不正确", "Invalid"),
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("menu", "菜单", "Menu"),
    ("map_figure", "着色指标", "Colour by"),
    ("fig_volunteers", "义警人数", "Volunteers"),
    ("fig_households", "住户数", "Households"),
    ("fig_visit_coverage", "本月走访覆盖率", "Visit coverage this month"),
    ("map_pick_grid", "点击地图上的网格查看详情。", "Click a grid on the map to see its details."),
    ("grid", "网格", "Grid"),
    ("police_grid", "警格", "Police grid"),
    ("community", "社区", "Community"),
    ("grid_officer", "网格警", "Grid police officer"),
    ("grid_worker", "网格员", "Grid worker"),
    ("map_loading", "正在加载网格……", "Loading grids…"),
    ("registry_title", "实有人口", "Registry"),
    ("search_residents", "查找居民", "Find residents"),
    (
        "search_residents_hint",
        "姓名、拼音或首字母、身份证号、手机号、地址",
        "Name, pinyin or initials, ID number, phone, address",
    ),
    ("search_households", "查找住户", "Find households"),
    ("search_households_hint", "地址或户编码", "Address or household code"),
    ("no_results", "没有找到结果。", "Nothing found."),
    ("households", "住户", "Households"),
    ("residents", "居民", "Residents"),
    ("household_code", "户编码", "Household code"),
    ("household_file", "一户一档", "Household file"),
    ("dwelling", "房屋类型", "Dwelling"),
    ("rental", "出租屋", "Rented"),
    ("members", "家庭成员", "Members"),
    ("member_count", "人数", "Members"),
    ("sex", "性别", "Sex"),
    ("birth_date", "出生日期", "Birth date"),
    ("id_number", "身份证号", "ID number"),
    ("relation", "与户主关系", "Relation to head"),
    ("registration", "户籍", "Registration"),
    ("registered_here", "本地户籍", "Registered here"),
    ("registered_elsewhere", "外地户籍", "Registered elsewhere"),
    ("care", "关爱类别", "Care category"),
    ("visits", "走访记录", "Visits"),
    ("visit_kind", "走访类型", "Kind of visit"),
    ("vk2_monthly", "月度走访", "Monthly check"),
    ("vk2_publicity", "入户宣传", "Publicity visit"),
    ("vk2_care", "关爱走访", "Care visit"),
    ("vk2_other", "其他", "Other"),
    ("visit_outcome", "走访情况", "Outcome"),
    ("visit_note", "备注", "Note"),
    ("visit_record", "记录走访", "Record a visit"),
    ("visitor", "走访人", "Visitor"),
    ("no_visits", "暂无走访记录。", "No visits yet."),
    ("reveal_household", "查看完整身份证号和手机号", "Show full ID and phone numbers"),
    ("print", "打印", "Print"),
    ("location", "位置", "Location"),
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static T: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| TABLE.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
}

/// The string for `key` in `lang`; the key itself when missing (a test keeps that from
/// happening for keys the templates use).
pub fn t(lang: Lang, key: &str) -> String {
    match table().get(key) {
        Some((zh, en)) => match lang {
            Lang::ZhCn => (*zh).to_string(),
            Lang::En => (*en).to_string(),
        },
        None => key.to_string(),
    }
}

pub fn has_key(key: &str) -> bool {
    table().contains_key(key)
}

pub fn has_prefix(prefix: &str) -> bool {
    TABLE.iter().any(|(k, _, _)| k.starts_with(prefix))
}
