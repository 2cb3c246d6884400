//! Spreadsheets (XLSX) the front-ends hand out: the registry of a unit.

pub mod workbook;

use crate::i18n::Lang;
use crate::present::registry as labels;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fengqiao_app::registry::RegistryExport;

/// What the reader's role may see in an export.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// Care categories (a column of their own).
    pub care: bool,
    /// Birth dates; an age otherwise.
    pub birth_date: bool,
}

impl Reader {
    pub fn of(actor: &fengqiao_app::Actor) -> Self {
        use fengqiao_domain::policy::Action;
        Reader { care: actor.may(Action::ViewCare), birth_date: actor.may(Action::ViewPersonalData) }
    }
}

/// The registry of a unit as a workbook: households, residents (as exported: numbers
/// masked) and organisations; the care column only when `care` (the reader's role sees it).
pub fn registry_workbook(lang: Lang, reader: Reader, export: &RegistryExport) -> Vec<u8> {
    let care = reader.care;
    let (households, residents, orgs) = (&export.households, &export.residents, &export.organisations);
    let mut wb = workbook::Workbook::new();
    let t = |k: &str| crate::i18n::t(lang, k);
    {
        let ws = wb.add_worksheet(&t("households"));
        let head = [
            t("household_code"),
            t("address"),
            t("dwelling"),
            t("rental"),
            t("member_count"),
            t("grid"),
            "lat".into(),
            "lon".into(),
        ];
        ws.write_header(&head);
        for (r, h) in households.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, &h.code);
            ws.write_string(r, 1, &h.address);
            ws.write_string(r, 2, labels::dwelling(lang, &h.dwelling_type));
            ws.write_string(r, 3, if h.is_rental != 0 { "是" } else { "否" });
            ws.write_number(r, 4, h.members as f64);
            ws.write_string(r, 5, &h.grid_name);
            ws.write_number(r, 6, h.lat);
            ws.write_number(r, 7, h.lon);
        }
    }
    {
        let ws = wb.add_worksheet(&t("residents"));
        let mut head = vec![
            t("household_code"),
            t("person_name"),
            t("sex"),
            if reader.birth_date { t("birth_date") } else { t("age") },
            t("id_number"),
            t("phone"),
            t("relation"),
            t("registration"),
        ];
        if care {
            head.push(t("care"));
        }
        ws.write_header(&head);
        for (r, m) in residents.iter().enumerate() {
            let r = r as u32 + 1;
            let phone = m.phone.clone().unwrap_or_default();
            ws.write_string(r, 0, &m.household_code);
            ws.write_string(r, 1, &m.name);
            ws.write_string(r, 2, if m.sex == "male" { "男" } else { "女" });
            // The birth date for roles that may see it, else the age.
            match (&m.birth_date, m.age) {
                (Some(d), _) => ws.write_string(r, 3, d),
                (None, Some(a)) => ws.write_number(r, 3, a as f64),
                (None, None) => {}
            }
            ws.write_string(r, 4, &m.id_number);
            ws.write_string(r, 5, phone);
            ws.write_string(r, 6, labels::relation(lang, &m.relation));
            ws.write_string(
                r,
                7,
                if m.registered_here {
                    t("registered_here")
                } else {
                    m.registered_address.clone().unwrap_or_else(|| t("registered_elsewhere"))
                },
            );
            if care {
                ws.write_string(r, 8, labels::care_of(lang, m).join("、"));
            }
        }
    }
    {
        let ws = wb.add_worksheet(&t("organisations"));
        let head = [
            t("code"),
            t("name"),
            t("kind"),
            t("address"),
            t("grid"),
            t("alliance"),
            t("responsible"),
            t("last_inspection"),
        ];
        ws.write_header(&head);
        for (r, o) in orgs.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, &o.code);
            ws.write_string(r, 1, &o.name);
            ws.write_string(r, 2, o.kind.map(|k| k.label_zh()).unwrap_or(""));
            ws.write_string(r, 3, &o.address);
            ws.write_string(r, 4, &o.grid_name);
            ws.write_string(r, 5, o.alliance.clone().unwrap_or_default());
            ws.write_string(r, 6, o.responsible.clone().unwrap_or_default());
            ws.write_string(r, 7, o.last_inspection.clone().unwrap_or_default());
        }
    }
    wb.save_to_buffer()
}

/// The registry workbook as a download named after the unit.
pub fn registry_response(lang: Lang, reader: Reader, export: &RegistryExport) -> Response {
    let bytes = registry_workbook(lang, reader, export);
    let filename = format!("registry-{}.xlsx", export.unit_code);
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}
