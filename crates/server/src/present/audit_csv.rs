//! The audit log as CSV (Excel opens it: a byte-order mark, CRLF lines, every field quoted,
//! a leading formula character neutralised so a spreadsheet never evaluates logged input).

use fengqiao_app::audit::AuditRecord;

fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The whole file.
pub fn csv(rows: &[AuditRecord]) -> String {
    let mut out = String::from("\u{feff}seq,time,actor,roles,action,object,result,client,purpose,detail,hash\r\n");
    for r in rows {
        let fields = [
            r.seq.to_string(),
            super::beijing_time(r.at),
            r.actor.clone(),
            r.roles.clone(),
            r.action.clone(),
            format!("{}:{}", r.object_type, r.object_id),
            r.result.clone(),
            r.client_addr.clone(),
            r.purpose.clone(),
            r.detail.clone(),
            r.hash.clone(),
        ];
        out.push_str(&(fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",") + "\r\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(super::field("=cmd()"), "\"'=cmd()\"");
        assert_eq!(super::field("\t=cmd()"), "\"'\t=cmd()\"", "a leading tab too");
        assert_eq!(super::field("\r=cmd()"), "\"'\r=cmd()\"", "and a carriage return");
        assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
