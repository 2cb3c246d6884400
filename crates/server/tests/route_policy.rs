//! Every route, every role (issue 9): the router's routes are read from its source, each
//! must have an entry below saying who may call it, and each is called as every kind of
//! account — from inside the object's jurisdiction (a grid worker of its grid, the
//! community officer, the commander) and from outside (a grid worker of another grid, a
//! mediator of the centre, the three administrators) — and anonymously. A route added
//! without an entry fails this test, as does an entry whose route is gone.
//!
//! The entries name the action a route needs and where its object lies; whether a role may
//! is then [`policy::decide`]'s answer (the role × action table is asserted on its own in
//! `policy::tests::role_action_jurisdiction_matrix`). What is checked here is that every
//! route enforces its action at its object, and lets in no one else.
//!
//! Outcomes: anonymous → 401 (API) or a redirect to the login page (web); refused → 403 or
//! 404 (an object the caller may not see reads as absent); allowed → anything else but a
//! server error (a request body here is often deliberately invalid so that nothing
//! changes: the answer is then 409 or 422, which comes after the access check).

mod common;
#[path = "common/policy_command.rs"]
mod policy_command;
#[path = "common/policy_fixtures.rs"]
mod policy_fixtures;

use axum::body::Body;
use axum::http::{Request, header};
use common::{World, world};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::{self, Action};
use fengqiao_domain::role::Role;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use std::collections::{BTreeSet, HashMap};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, signed in or not (the login page, the residents' QR pages, Open311, ...).
    Public,
    /// Any signed-in account (one's own account, the dashboard).
    SignedIn,
    /// An account whose role grants the action over the caller's own jurisdiction (lists).
    Home(Action),
    /// An account whose role grants the action and whose jurisdiction covers the object,
    /// which lies in this unit.
    At(Action, &'static str),
    /// An account whose role works by assignment (a mediator's own cases).
    Assigned,
    /// The one account an instruction is addressed to.
    Recipient(&'static str),
    /// As `At`, or the account the instruction is addressed to.
    AtOrRecipient(Action, &'static str, &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Api,
    Web,
}

struct Entry {
    method: &'static str,
    /// The route as the router declares it (API routes without `/api/v1`).
    route: &'static str,
    /// A concrete path: `{M}` a matter of grid G01, `{H}` household H1 of G01, `{U}` an
    /// account of G01, `{P}` a party of the matter, `{A}` an alert of G01, `{F}` a file of
    /// the matter, `{R}` a screening round of community C01, `{FU}` a follow-up, `{T}`
    /// H1's QR token, `{I}` an instruction from the commander to gw1 (grid G01), `{RB}` a
    /// robot of G01, `{CAM}` a camera of G01, `{PL}` a patrol plan of C01, `{RD}` the
    /// commander's round of it, `{EN}` a look that saw something at `{CAM}`, `{RP}` a repair
    /// of `{CAM}`, `{TP}` a shift template of the station, `{SA}` the commander's assignment
    /// to today's shift of it, `{HO}` that shift's handover, `{SL}` the commander's slip about
    /// `{M}` (to G01), `{SC}` a spot check of the station, `{SI}` its flawed item sent to gw1,
    /// `{DP}` today's daily post of G01.
    path: &'static str,
    access: Access,
    body: &'static str,
    /// Ends the caller's session (run last).
    ends_session: bool,
}

const G01: &str = "XY-C01-G01";
const C01: &str = "XY-C01";
const ST: &str = "XY-ST";
const XY: &str = "XY";
const BOUNDARY: &str = "fqroutepolicy";
const MULTIPART_MATTER: &str = "--fqroutepolicy\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nhazard\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\npatrol\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"narrative\"\r\n\r\n楼道灭火器过期\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n37.105\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"lon\"\r\n\r\n111.705\r\n--fqroutepolicy--\r\n";
const MULTIPART_IMPORT: &str = "--fqroutepolicy\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nhouseholds\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\nnonsense\n\r\n--fqroutepolicy--\r\n";
const MULTIPART_CAMERAS: &str = "--fqroutepolicy\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncameras\r\n\
    --fqroutepolicy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\nnonsense\n\r\n--fqroutepolicy--\r\n";
const SESSION: &str =
    r#"{"held_at":"2026-11-20T15:00","place":"府前社区调解室","participants":"双方当事人","record":"双方同意再谈。"}"#;
const AGREEMENT: &str = r#"{"facts":"空调外机滴水。","points":"维修费用。","responsibilities":"楼上负责。","terms":[{"obligor":"赵立新","content":"加装排水管","manner":"自行安装","due_date":"2030-01-15"}]}"#;

fn api(method: &'static str, route: &'static str, path: &'static str, access: Access, body: &'static str) -> Entry {
    Entry { method, route, path, access, body, ends_session: false }
}

fn web(method: &'static str, route: &'static str, path: &'static str, access: Access, body: &'static str) -> Entry {
    Entry { method, route, path, access, body, ends_session: false }
}

fn entries() -> Vec<(Kind, Entry)> {
    use Access::*;
    use Action::*;
    let a = |e: Entry| (Kind::Api, e);
    let w = |e: Entry| (Kind::Web, e);
    vec![
        // ---- API ----
        a(api("GET", "/openapi.json", "/openapi.json", Public, "")),
        a(api("POST", "/session", "/session", Public, r#"{"username":"nobody","password":"x"}"#)),
        a(Entry { ends_session: true, ..api("DELETE", "/session", "/session", SignedIn, "") }),
        a(api("GET", "/me", "/me", SignedIn, "")),
        a(api("GET", "/workbench", "/workbench", SignedIn, "")),
        a(api("POST", "/me/password", "/me/password", SignedIn, r#"{"current":"wrong","new":"x"}"#)),
        a(api("POST", "/password-reset", "/password-reset", Public, r#"{"username":"","code":"","password":""}"#)),
        a(api("GET", "/units", "/units", Home(ViewOrg), "")),
        a(api(
            "POST",
            "/units",
            "/units",
            At(EditOrg, C01),
            r#"{"code":"XY-C01-G01","name":"重复的网格","kind":"grid","parent_code":"XY-C01"}"#,
        )),
        a(api("GET", "/units/{code}", "/units/XY-C01-G01", At(ViewOrg, G01), "")),
        a(api(
            "PUT",
            "/units/{code}",
            "/units/XY-C01-G01",
            At(EditOrg, G01),
            r#"{"name":"府前社区第1网格","geometry":{"type":"Polygon","coordinates":[[[111.70,37.10],[111.71,37.10],[111.71,37.11],[111.70,37.11],[111.70,37.10]]]}}"#,
        )),
        a(api("GET", "/users", "/users", Home(ViewPeople), "")),
        a(api(
            "POST",
            "/users",
            "/users",
            Home(ManagePeople),
            r#"{"username":"","display_name":"","unit_code":"XY-C01-G01","roles":[]}"#,
        )),
        a(api("GET", "/users/{id}", "/users/{U}", At(ViewPeople, G01), "")),
        a(api(
            "PUT",
            "/users/{id}",
            "/users/{U}",
            At(ManagePeople, G01),
            r#"{"display_name":"","unit_code":"XY-C01-G01","roles":["grid_worker"]}"#,
        )),
        a(api("POST", "/users/{id}/reset-code", "/users/{U}/reset-code", At(ManagePeople, G01), "")),
        a(api("POST", "/users/{id}/unlock", "/users/{U}/unlock", At(ManageSecurity, G01), "")),
        a(api("POST", "/users/{id}/totp-reset", "/users/{U}/totp-reset", At(ManageSecurity, G01), "")),
        a(api("PUT", "/users/{id}/roles", "/users/{U}/roles", At(GrantRoles, G01), r#"{"roles":["grid_worker"]}"#)),
        a(api("GET", "/volunteers", "/volunteers", Home(ViewPeople), "")),
        a(api("POST", "/volunteers", "/volunteers", Home(ManagePeople), r#"{"name":"","kind":"x","team":""}"#)),
        a(api("GET", "/audit", "/audit", Home(ViewAudit), "")),
        a(api("GET", "/audit/export", "/audit/export", Home(ExportAudit), "")),
        a(api("GET", "/locate", "/locate?lat=37.105&lon=111.705", At(ViewOrg, G01), "")),
        a(api("GET", "/map/grids", "/map/grids", Home(ViewOrg), "")),
        a(api("GET", "/matters", "/matters", Home(ViewMatters), "")),
        a(api(
            "POST",
            "/matters",
            "/matters",
            At(RecordMatter, G01),
            r#"{"kind":"hazard","narrative":"楼道灭火器过期","lat":37.105,"lon":111.705}"#,
        )),
        a(api("GET", "/matters/{code}", "/matters/{M}", At(ViewMatters, G01), "")),
        a(api(
            "POST",
            "/matters/{code}/events",
            "/matters/{M}/events",
            At(HandleMatter, G01),
            r#"{"event":"reach_agreement"}"#,
        )),
        a(api(
            "POST",
            "/matters/{code}/parties",
            "/matters/{M}/parties",
            At(HandleMatter, G01),
            r#"{"role":"third_party","name":"楼下住户"}"#,
        )),
        a(api(
            "POST",
            "/matters/{code}/parties/{id}/consent",
            "/matters/{M}/parties/{P}/consent",
            At(HandleMatter, G01),
            r#"{"consent":"given"}"#,
        )),
        a(api("POST", "/matters/{code}/sessions", "/matters/{M}/sessions", At(HandleMatter, G01), SESSION)),
        a(api(
            "PUT",
            "/matters/{code}/plan",
            "/matters/{M}/plan",
            At(HandleMatter, G01),
            r#"{"goal":"邻里和好","mediators":[],"steps":[]}"#,
        )),
        a(api("PUT", "/matters/{code}/agreement", "/matters/{M2}/agreement", At(HandleMatter, G01), AGREEMENT)),
        a(api("POST", "/matters/{code}/agreement/sign", "/matters/{M2}/agreement/sign", At(HandleMatter, G01), "{}")),
        a(api(
            "POST",
            "/matters/{code}/agreement/judicial-confirmation",
            "/matters/{M}/agreement/judicial-confirmation",
            At(HandleMatter, G01),
            r#"{"judicial_confirmation":"applied"}"#,
        )),
        a(api(
            "POST",
            "/matters/{code}/terms/{seq}/performed",
            "/matters/{M}/terms/1/performed",
            At(HandleMatter, G01),
            "{}",
        )),
        a(api(
            "POST",
            "/matters/{code}/follow-ups",
            "/matters/{M}/follow-ups",
            At(HandleMatter, G01),
            r#"{"due_date":"2099-02-01"}"#,
        )),
        a(api(
            "POST",
            "/matters/{code}/follow-ups/{id}",
            "/matters/{M}/follow-ups/{FU}",
            At(HandleMatter, G01),
            r#"{"outcome":"双方和好","recurred":false}"#,
        )),
        a(api("POST", "/matters/{code}/merge", "/matters/{M}/merge", At(HandleMatter, G01), r#"{"into":"{M2}"}"#)),
        a(api("POST", "/matters/{code}/urge", "/matters/{M}/urge", At(UrgeMatter, G01), r#"{"note":"请尽快办理"}"#)),
        a(api("GET", "/screening-rounds", "/screening-rounds", Home(ViewMatters), "")),
        a(api("POST", "/screening-rounds", "/screening-rounds", At(RecordMatter, G01), r#"{"unit":"XY-C01-G01"}"#)),
        a(api(
            "POST",
            "/screening-rounds/{id}/finish",
            "/screening-rounds/{R}/finish",
            At(RecordMatter, C01),
            r#"{"households_checked":3}"#,
        )),
        a(api("GET", "/alerts", "/alerts", Home(ViewMatters), "")),
        a(api("POST", "/alerts/{id}/acknowledge", "/alerts/{A}/acknowledge", At(HandleMatter, ST), "")),
        a(api("GET", "/supervision", "/supervision", Home(ViewMatters), "")),
        a(api("GET", "/board", "/board", Home(ViewBoard), "")),
        a(api("GET", "/instructions", "/instructions", SignedIn, "")),
        a(api("GET", "/robots", "/robots", Home(ViewOrg), "")),
        a(api(
            "POST",
            "/robots",
            "/robots",
            Home(EditOrg),
            r#"{"unit":"XY-C01-G01","platform":"x","name":"","url":""}"#,
        )),
        a(api("POST", "/robots/{id}/disable", "/robots/{RB}/disable", At(EditOrg, G01), "")),
        a(api("GET", "/deliveries", "/deliveries", Home(ViewOrg), "")),
        a(api(
            "POST",
            "/instructions",
            "/instructions",
            Home(IssueInstruction),
            r#"{"title":"x","body":"","to_user":"gw1","report_due":""}"#,
        )),
        a(api("GET", "/instructions/{code}", "/instructions/{I}", AtOrRecipient(ViewInstructions, G01, "gw1"), "")),
        a(api(
            "POST",
            "/instructions/{code}/steps",
            "/instructions/{I}/steps",
            Recipient("gw1"),
            r#"{"event":"acknowledge"}"#,
        )),
        a(api("GET", "/board/events", "/board/events?after=0", Home(ViewBoard), "")),
        a(api("GET", "/risky-matters", "/risky-matters", Home(ViewMatters), "")),
        a(api("POST", "/matters/{code}/files", "/matters/{M}/files?name=x.exe", At(HandleMatter, G01), "MZ")),
        a(api("GET", "/matters/{code}/files/{id}", "/matters/{M}/files/{F}", At(ViewMatters, G01), "")),
        a(api("GET", "/residents", "/residents?q=张", Home(ViewRegistry), "")),
        a(api("GET", "/households", "/households", Home(ViewRegistry), "")),
        a(api("GET", "/households/{code}", "/households/{H}", At(ViewRegistry, G01), "")),
        a(api(
            "POST",
            "/households/{code}/visits",
            "/households/{H}/visits",
            At(RecordVisit, G01),
            r#"{"kind":"home","outcome":"met"}"#,
        )),
        a(api("POST", "/households/{code}/qr", "/households/{H}/qr", At(RecordVisit, G01), "")),
        a(api(
            "POST",
            "/households/{code}/reveal",
            "/households/{H}/reveal",
            At(ViewPersonalData, G01),
            r#"{"purpose":"核实当事人身份"}"#,
        )),
        a(api("GET", "/organisations", "/organisations", Home(ViewRegistry), "")),
        a(api("GET", "/registry/export", "/registry/export", Home(ViewRegistry), "")),
        a(api("POST", "/imports/{kind}", "/imports/households?dry_run=true", Home(ImportRegistry), "nonsense\n")),
        // The command room's routes (issue 11) are in common/policy_command.rs.
        // ---- operations ----
        w(web("GET", "/healthz", "/healthz", Public, "")),
        w(web("GET", "/readyz", "/readyz", Public, "")),
        w(web("GET", "/metrics", "/metrics", Public, "")),
        w(web("GET", "/open311/v2/{*path}", "/open311/v2/services.json", Public, "")),
        w(web("POST", "/open311/v2/{*path}", "/open311/v2/requests.json", Public, "service_code=x")),
        // ---- web ----
        w(web("GET", "/", "/", Public, "")),
        w(web("GET", "/static/app.css", "/static/app.css", Public, "")),
        w(web("GET", "/static/favicon.svg", "/static/favicon.svg", Public, "")),
        w(web("GET", "/favicon.ico", "/favicon.ico", Public, "")),
        w(web("GET", "/static/map.js", "/static/map.js", Public, "")),
        w(web("GET", "/static/capture.js", "/static/capture.js", Public, "")),
        w(web("GET", "/static/print.js", "/static/print.js", Public, "")),
        w(web("GET", "/static/board.js", "/static/board.js", Public, "")),
        w(web("GET", "/static/vendor/leaflet/{*file}", "/static/vendor/leaflet/leaflet.js", Public, "")),
        w(web("GET", "/map", "/map", Home(ViewOrg), "")),
        w(web("GET", "/matters", "/matters", Home(ViewMatters), "")),
        w(web("GET", "/matters/new", "/matters/new", Home(RecordMatter), "")),
        w(web("POST", "/matters/new", "/matters/new", At(RecordMatter, G01), MULTIPART_MATTER)),
        w(web("GET", "/warning", "/warning", Home(ViewMatters), "")),
        w(web("GET", "/board", "/board", Home(ViewBoard), "")),
        w(web("GET", "/instructions", "/instructions", SignedIn, "")),
        w(web("GET", "/a/{token}", "/a/unknown-token", Public, "")),
        w(web("GET", "/notifications", "/notifications", Home(ViewOrg), "")),
        w(web("POST", "/notifications", "/notifications", Home(EditOrg), "unit=XY-C01-G01&platform=x")),
        w(web("POST", "/notifications/{id}/disable", "/notifications/{RB}/disable", At(EditOrg, G01), "")),
        w(web("POST", "/a/{token}", "/a/unknown-token", Public, "")),
        w(web("GET", "/instructions/new", "/instructions/new", Home(IssueInstruction), "")),
        w(web("POST", "/instructions/new", "/instructions/new", Home(IssueInstruction), "title=x&to=user%3Agw1")),
        w(web("GET", "/instructions/{code}", "/instructions/{I}", AtOrRecipient(ViewInstructions, G01, "gw1"), "")),
        w(web("POST", "/instructions/{code}/steps", "/instructions/{I}/steps", Recipient("gw1"), "event=acknowledge")),
        w(web("POST", "/warning/{id}/acknowledge", "/warning/{A2}/acknowledge", At(HandleMatter, ST), "")),
        w(web("GET", "/supervision", "/supervision", Home(ViewMatters), "")),
        w(web("GET", "/cases", "/cases", Assigned, "")),
        w(web("GET", "/screening", "/screening", Home(ViewMatters), "")),
        w(web("POST", "/screening", "/screening", At(RecordMatter, G01), "unit=XY-C01-G01")),
        w(web(
            "POST",
            "/screening/{id}/finish",
            "/screening/{R}/finish",
            At(RecordMatter, C01),
            "households_checked=3",
        )),
        w(web("GET", "/matters/{code}", "/matters/{M}", At(ViewMatters, G01), "")),
        w(web("GET", "/matters/{code}/files/{id}", "/matters/{M}/files/{F}", At(ViewMatters, G01), "")),
        w(web("POST", "/matters/{code}/events", "/matters/{M}/events", At(HandleMatter, G01), "event=reach_agreement")),
        w(web(
            "POST",
            "/matters/{code}/parties",
            "/matters/{M}/parties",
            At(HandleMatter, G01),
            "role=third_party&name=%E6%A5%BC%E4%B8%8B",
        )),
        w(web("POST", "/matters/{code}/merge", "/matters/{M}/merge", At(HandleMatter, G01), "into={M2}")),
        w(web(
            "POST",
            "/matters/{code}/urge",
            "/matters/{M}/urge",
            At(UrgeMatter, G01),
            "note=%E8%AF%B7%E5%B0%BD%E5%BF%AB",
        )),
        w(web(
            "POST",
            "/matters/{code}/parties/{id}/consent",
            "/matters/{M}/parties/{P}/consent",
            At(HandleMatter, G01),
            "consent=given",
        )),
        w(web("POST", "/matters/{code}/sessions", "/matters/{M}/sessions", At(HandleMatter, G01), "")),
        w(web("POST", "/matters/{code}/plan", "/matters/{M}/plan", At(HandleMatter, G01), "")),
        w(web("GET", "/matters/{code}/agreement", "/matters/{M2}/agreement", At(ViewMatters, G01), "")),
        w(web("POST", "/matters/{code}/agreement", "/matters/{M}/agreement", At(HandleMatter, G01), "")),
        w(web("GET", "/matters/{code}/agreement.pdf", "/matters/{M2}/agreement.pdf", At(ViewMatters, G01), "")),
        w(web("POST", "/matters/{code}/agreement/sign", "/matters/{M}/agreement/sign", At(HandleMatter, G01), "")),
        w(web(
            "POST",
            "/matters/{code}/agreement/judicial-confirmation",
            "/matters/{M}/agreement/judicial-confirmation",
            At(HandleMatter, G01),
            "judicial_confirmation=applied",
        )),
        w(web(
            "POST",
            "/matters/{code}/terms/{seq}/performed",
            "/matters/{M}/terms/1/performed",
            At(HandleMatter, G01),
            "",
        )),
        w(web(
            "POST",
            "/matters/{code}/follow-ups",
            "/matters/{M}/follow-ups",
            At(HandleMatter, G01),
            "due_date=2099-02-01",
        )),
        w(web("POST", "/matters/{code}/follow-ups/{id}", "/matters/{M}/follow-ups/{FU}", At(HandleMatter, G01), "")),
        w(web("GET", "/registry", "/registry", Home(ViewRegistry), "")),
        w(web("GET", "/registry/organisations", "/registry/organisations", Home(ViewRegistry), "")),
        w(web("GET", "/registry/export.xlsx", "/registry/export.xlsx", Home(ViewRegistry), "")),
        w(web("GET", "/registry/import", "/registry/import", Home(ImportRegistry), "")),
        w(web("POST", "/registry/import", "/registry/import", Home(ImportRegistry), MULTIPART_IMPORT)),
        w(web("GET", "/households/{code}", "/households/{H}", At(ViewRegistry, G01), "")),
        w(web(
            "POST",
            "/households/{code}/reveal",
            "/households/{H}/reveal",
            At(ViewPersonalData, G01),
            "purpose=%E6%A0%B8%E5%AE%9E",
        )),
        w(web("POST", "/households/{code}/visits", "/households/{H}/visits", At(RecordVisit, G01), "note=")),
        w(web("POST", "/households/{code}/qr", "/households/{H}/qr", At(RecordVisit, G01), "confirm=1")),
        w(web("GET", "/households/{code}/{file}", "/households/{H}/qr.svg", At(ViewRegistry, G01), "")),
        w(web("GET", "/buildings/{code}/qr-sheet", "/buildings/B1/qr-sheet", At(ViewRegistry, G01), "")),
        w(web("GET", "/q/{token}", "/q/{T}", Public, "")),
        w(web("POST", "/q/{token}/matters", "/q/{T}/matters", Public, "")),
        w(web("POST", "/q/{token}/ratings/{code}", "/q/{T}/ratings/{M}", Public, "")),
        w(web("GET", "/lang/{code}", "/lang/en?next=/login", Public, "")),
        w(web("GET", "/login", "/login", Public, "")),
        w(web("POST", "/login", "/login", Public, "username=x&password=y&csrf=z")),
        w(web("GET", "/login/totp", "/login/totp", SignedIn, "")),
        w(web("POST", "/login/totp", "/login/totp", SignedIn, "code=000000")),
        w(web("GET", "/login/reset", "/login/reset", Public, "")),
        w(web("POST", "/login/reset", "/login/reset", Public, "username=x&code=y&password=z&csrf=z")),
        w(Entry { ends_session: true, ..web("POST", "/logout", "/logout", SignedIn, "") }),
        w(web("GET", "/account", "/account", SignedIn, "")),
        w(web("POST", "/account/password", "/account/password", SignedIn, "current=wrong&new=x")),
        w(web("GET", "/account/totp", "/account/totp", SignedIn, "")),
        w(web("POST", "/account/totp", "/account/totp", SignedIn, "code=x")),
        w(web("POST", "/account/totp/start", "/account/totp/start", SignedIn, "")),
        w(web("GET", "/dashboard", "/dashboard", SignedIn, "")),
        w(web("GET", "/org", "/org", Home(ViewOrg), "")),
        w(web("GET", "/org/{code}", "/org/XY-C01-G01", At(ViewOrg, G01), "")),
        w(web("POST", "/org/{code}", "/org/XY-C01-G01", At(EditOrg, G01), "name=")),
        w(web("POST", "/org/{code}/children", "/org/XY-C01-G01/children", At(EditOrg, G01), "code=&name=")),
        w(web("GET", "/people", "/people", Home(ViewPeople), "")),
        w(web("POST", "/people", "/people", Home(ManagePeople), "username=&name=&unit=XY-C01-G01")),
        w(web("GET", "/people/new", "/people/new", Home(ManagePeople), "")),
        w(web("GET", "/people/{id}", "/people/{U}", At(ViewPeople, G01), "")),
        w(web("POST", "/people/{id}", "/people/{U}", At(ManagePeople, G01), "name=&unit=XY-C01-G01&roles=grid_worker")),
        w(web(
            "POST",
            "/people/{id}/reveal",
            "/people/{U}/reveal",
            At(ViewPersonalData, G01),
            "purpose=%E6%A0%B8%E5%AE%9E",
        )),
        w(web("POST", "/people/{id}/reset-code", "/people/{U}/reset-code", At(ManagePeople, G01), "")),
        w(web("POST", "/people/{id}/roles", "/people/{U}/roles", At(GrantRoles, G01), "roles=grid_worker")),
        w(web("POST", "/people/{id}/unlock", "/people/{U}/unlock", At(ManageSecurity, G01), "")),
        w(web("POST", "/people/{id}/totp-reset", "/people/{U}/totp-reset", At(ManageSecurity, G01), "")),
        w(web("GET", "/volunteers", "/volunteers", Home(ViewPeople), "")),
        w(web("POST", "/volunteers", "/volunteers", Home(ManagePeople), "name=&kind=x")),
        w(web("GET", "/audit", "/audit", Home(ViewAudit), "")),
        w(web("GET", "/audit.csv", "/audit.csv", Home(ExportAudit), "")),
    ]
}

struct Caller {
    name: &'static str,
    token: Option<String>,
    roles: Vec<Role>,
    jurisdiction: UnitPath,
}

fn expected_allowed(c: &Caller, access: Access, paths: &HashMap<&str, UnitPath>) -> bool {
    match access {
        Access::Public => true,
        Access::SignedIn => c.token.is_some(),
        Access::Home(action) => c.token.is_some() && policy::may(&c.roles, action),
        Access::Assigned => c.token.is_some() && policy::allowed_by_assignment(&c.roles, Action::HandleMatter),
        Access::At(action, unit) => {
            c.token.is_some() && policy::decide(&c.roles, &c.jurisdiction, action, &paths[unit]).allowed()
        }
        Access::Recipient(name) => c.token.is_some() && c.name == name,
        Access::AtOrRecipient(action, unit, name) => {
            expected_allowed(c, Access::At(action, unit), paths) || expected_allowed(c, Access::Recipient(name), paths)
        }
    }
}

async fn call(w: &World, kind: Kind, e: &Entry, path: &str, body: &str, token: Option<&str>) -> common::Resp {
    let uri = if kind == Kind::Api { format!("/api/v1{path}") } else { path.to_string() };
    let content_type = match kind {
        Kind::Api if e.route.starts_with("/imports") => "text/csv",
        Kind::Api if e.route.ends_with("/files") => "application/octet-stream",
        Kind::Api => "application/json",
        Kind::Web if body.starts_with("--") => &format!("multipart/form-data; boundary={BOUNDARY}"),
        Kind::Web => "application/x-www-form-urlencoded",
    };
    let mut b = Request::builder().method(e.method).uri(uri);
    if !body.is_empty() || e.method != "GET" {
        b = b.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    w.send(b.body(Body::from(body.to_string())).unwrap()).await
}

async fn every_route_as_every_role(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let store = &w.store;
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    // The account the people routes act on (nobody logs in as it).
    let g01 = store.unit_by_code(G01).await.unwrap();
    let target = fengqiao_store::users::NewUser {
        username: "target".into(),
        display_name: "对象账号".into(),
        unit_id: g01.id,
        title: None,
        officer_rank: None,
        mediator_kind: None,
        roles: vec![Role::GridWorker],
        phone: Some(fengqiao_domain::Phone::parse("13800000099").unwrap()),
        password_hash: Some(common::password_hash().into()),
    };
    let target = store.create_user(&ctx, &target).await.unwrap();
    common::add_secadmin(store, "MFRGGZDFMZTWQ2LK").await;
    db.execute_raw(
        "INSERT INTO buildings (code, compound, name, grid_id, lat, lon, created_at, updated_at) \
         SELECT 'B1', '幸福小区', '1号楼', grid_id, lat, lon, 0, 0 FROM households WHERE code = 'H1'",
    )
    .await;
    db.execute_raw(
        "UPDATE households SET building_id = (SELECT id FROM buildings WHERE code = 'B1') WHERE code = 'H1'",
    )
    .await;

    // The objects, in grid G01 (community C01), made by its grid worker and officer.
    let gw = w.token("gw1").await;
    let co = w.token("co01").await;
    let cmd = w.token("commander").await;
    let m = common::new_dispute(&w, &gw, "neighbour", "楼道堆放杂物影响通行，邻居之间有些口角").await;
    let parties = common::consenting_parties(&w, &gw, &m).await;
    let f = w.post_body(&format!("/api/v1/matters/{m}/files?name=a.jpg"), Some(&gw), "image/jpeg", JPEG).await;
    assert_eq!(f.status, 201, "{}", f.body);
    let file = f.json()["id"].as_i64().unwrap();
    let fu = w.post_json(&format!("/api/v1/matters/{m}/follow-ups"), Some(&gw), r#"{"due_date":"2099-01-10"}"#).await;
    assert_eq!(fu.status, 201, "{}", fu.body);
    let follow_up = fu.json()["follow_ups"][0]["id"].as_i64().expect("the follow-up scheduled");
    let round = w.post_json("/api/v1/screening-rounds", Some(&co), "{}").await;
    assert_eq!(round.status, 201, "{}", round.body);
    let round = round.json()["id"].as_i64().unwrap();
    // A dispute that turns red raises an alert (the seed's example).
    common::new_dispute(&w, &gw, "marriage_family", "乔某与郭某萍离婚后就子女探视问题发生争执").await;
    let red = common::new_dispute(
        &w,
        &gw,
        "marriage_family",
        "法院判决离婚后，乔某心有不甘，三番五次前往前妻郭某萍父母家中纠缠，扬言不让他们好过",
    )
    .await;
    let father = r#"{"role":"applicant","name":"张世川","id_number":"141181198211110173"}"#;
    let red2 =
        common::new_dispute(&w, &gw, "marriage_family", "乔某再次前往郭某萍父母家中纠缠，扬言不让他们好过").await;
    let husband = r#"{"role":"respondent","name":"乔某安","phone":"13903589999"}"#;
    for c in [&red, &red2] {
        assert_eq!(w.post_json(&format!("/api/v1/matters/{c}/parties"), Some(&cmd), husband).await.status, 201);
        assert_eq!(w.post_json(&format!("/api/v1/matters/{c}/parties"), Some(&cmd), father).await.status, 201);
    }
    let alerts = w.get("/api/v1/alerts", Some(&cmd)).await.json();
    let ids: Vec<i64> = alerts.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert!(ids.len() >= 2, "two alerts: {alerts}");
    let (alert, alert2) = (ids[0], ids[1]);
    // A second dispute with an agreement drafted, for the agreement's routes.
    let m2 = common::new_dispute(&w, &gw, "neighbour", "楼上空调外机滴水到楼下阳台").await;
    common::consenting_parties(&w, &gw, &m2).await;
    for ev in ["accept", "start_mediation"] {
        let r =
            w.post_json(&format!("/api/v1/matters/{m2}/events"), Some(&gw), &format!(r#"{{"event":"{ev}"}}"#)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = w.put_json(&format!("/api/v1/matters/{m2}/agreement"), Some(&gw), AGREEMENT).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file_page = w.get("/households/H1", Some(&gw)).await.body.replace("&#x2f;", "/");
    let token = file_page.split("/q/").nth(1).unwrap()[..43].to_string();
    let due = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M");
    let body = format!(r#"{{"title":"上门核查","body":"核查楼道堆物情况。","to_user":"gw1","report_due":"{due}"}}"#);
    let i = w.post_json("/api/v1/instructions", Some(&cmd), &body).await;
    assert_eq!(i.status, 201, "{}", i.body);
    let instruction = i.json()["code"].as_str().unwrap().to_string();
    let robot = fengqiao_store::notify::NewRobot {
        unit_id: g01.id.0,
        platform: "dingtalk".into(),
        name: "网格群".into(),
        url: "https://oapi.dingtalk.com/robot/send?access_token=x".into(),
        secret: Some("SEC0000000000".into()),
        topics: vec!["matter.created".into()],
    };
    let robot = store.create_robot(&ctx, &robot, 0).await.unwrap();
    let (camera, plan, patrol_round, seen, repair) = policy_fixtures::video(store, &ctx).await;
    let (template, assignment, handover) = policy_fixtures::roster(&w, &cmd).await;
    let (slip, check, item) = policy_fixtures::supervision(&w, &cmd, &m).await;
    let post = w.post_json("/api/v1/daily-posts", Some(&gw), r#"{"grid":"XY-C01-G01"}"#).await;
    assert_eq!(post.status, 200, "{}", post.body);
    let post = post.json()["id"].as_i64().unwrap();
    let fill = |s: &str| {
        s.replace("{M2}", &m2)
            .replace("{M}", &m)
            .replace("{A2}", &alert2.to_string())
            .replace("{H}", "H1")
            .replace("{U}", &target.0.to_string())
            .replace("{P}", &parties[0].to_string())
            .replace("{A}", &alert.to_string())
            .replace("{F}", &file.to_string())
            .replace("{R}", &round.to_string())
            .replace("{FU}", &follow_up.to_string())
            .replace("{T}", &token)
            .replace("{I}", &instruction)
            .replace("{RB}", &robot.to_string())
            .replace("{CAM}", &camera)
            .replace("{PL}", &plan.to_string())
            .replace("{RD}", &patrol_round.to_string())
            .replace("{EN}", &seen.to_string())
            .replace("{RP}", &repair.to_string())
            .replace("{TP}", &template.to_string())
            .replace("{SA}", &assignment.to_string())
            .replace("{HO}", &handover.to_string())
            .replace("{SL}", &slip)
            .replace("{SC}", &check.to_string())
            .replace("{SI}", &item.to_string())
            .replace("{DP}", &post.to_string())
    };

    // Every declared route has an entry; every entry a route.
    let mut table = entries();
    table.extend(policy_command::entries());
    let listed: BTreeSet<(Kind, String, String)> =
        table.iter().map(|(k, e)| (*k, e.method.to_string(), e.route.to_string())).collect();
    let declared = policy_fixtures::declared_routes();
    let missing: Vec<_> = declared.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&declared).collect();
    assert!(missing.is_empty(), "routes without an entry in the policy table: {missing:?}");
    assert!(stale.is_empty(), "entries for routes the router no longer has: {stale:?}");
    assert!(declared.len() > 130, "the router's source was read ({} routes)", declared.len());

    // The callers, each with a complete session (second factor done).
    let mut callers =
        vec![Caller { name: "anonymous", token: None, roles: vec![], jurisdiction: UnitPath("/".into()) }];
    for name in ["gw1", "gw2", "co01", "commander", "med1", "sysadmin", "secadmin", "auditor"] {
        let u = store.user_by_username(name).await.unwrap();
        callers.push(Caller {
            name,
            token: Some(mint(&w, name).await),
            roles: u.roles.clone(),
            jurisdiction: u.unit_path.clone(),
        });
    }
    let mut paths = HashMap::new();
    for code in [G01, C01, ST, XY] {
        paths.insert(code, store.unit_by_code(code).await.unwrap().path);
    }

    let mut wrong = vec![];
    let mut calls = 0;
    let order = table.iter().filter(|(_, e)| !e.ends_session).chain(table.iter().filter(|(_, e)| e.ends_session));
    for (kind, e) in order {
        let path = fill(e.path);
        let body = fill(e.body);
        for c in &callers {
            // A call that ends its session gets a session of its own.
            let token = match &c.token {
                Some(_) if e.ends_session => Some(mint(&w, c.name).await),
                t => t.clone(),
            };
            let r = call(&w, *kind, e, &path, &body, token.as_deref()).await;
            calls += 1;
            let location = r.headers.get(header::LOCATION).map(|l| l.to_str().unwrap().to_string());
            let to_login = r.status == 303 && location.as_deref() == Some("/login");
            let allowed = expected_allowed(c, e.access, &paths);
            let ok = if r.status >= 500 {
                false
            } else if matches!(e.access, Access::Public) {
                true
            } else if c.token.is_none() && !allowed {
                r.status == 401 || to_login
            } else if allowed {
                !matches!(r.status, 401 | 403 | 404) && (!to_login || e.ends_session)
            } else {
                matches!(r.status, 403 | 404)
            };
            if !ok {
                let said: String = match r.body.find("field-error") {
                    Some(i) => r.body[i..].chars().take(160).collect(),
                    None => r.body.chars().take(160).collect(),
                };
                wrong.push(format!(
                    "{} {} as {}: {} (expected {}) {said}",
                    e.method,
                    path,
                    c.name,
                    r.status,
                    if allowed { "allowed" } else { "refused" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {calls} calls broke the policy:\n{}", wrong.len(), wrong.join("\n"));
}

/// A complete session for an account, as after its login (and second factor).
async fn mint(w: &World, username: &str) -> String {
    let u = w.store.user_by_username(username).await.unwrap();
    let second = fengqiao_app::actor::SecondFactor::Done;
    fengqiao_app::accounts::start_session(&w.state, &u, "api", second, "127.0.0.1").await.unwrap().0
}

/// The smallest JPEG the upload accepts as a photo.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

contract_tests!(every_route_as_every_role);
