//! Video patrol (视频巡查, issue 11 item 6), as pure rules. No video passes through Fengqiao:
//! it keeps the registry of cameras (视频监控点位) with their GB/T 28181 device IDs, the
//! patrol rounds the video desk walks camera by camera, and what each look found. A key
//! camera must be looked at every 30 minutes, an ordinary one at its own interval; a look
//! that finds no picture, a blurred picture or a moved camera opens a repair task, one that
//! finds something happening becomes a matter of the camera's grid.

use crate::matter::vocabulary;

vocabulary!(
    /// The kind of place a camera watches (the seed's categories).
    CameraCategory {
    Government => "government", "党政机关";
    School => "school", "学校";
    Hospital => "hospital", "医院";
    Utility => "utility", "水电气热";
    Barbecue => "barbecue", "烧烤店";
    Billiards => "billiards", "台球室";
    ChessCards => "chess_cards", "棋牌室";
    InternetCafe => "internet_cafe", "网吧";
    Entertainment => "entertainment", "娱乐场所";
    KeyRoad => "key_road", "重点路段";
});

vocabulary!(
    /// How closely a camera is watched.
    Tier {
    Key => "key", "重点";
    Ordinary => "ordinary", "普通";
});

vocabulary!(
    /// What the video platform (or the operator) reports of a camera.
    CameraStatus {
    Online => "online", "在线";
    Offline => "offline", "离线";
    Fault => "fault", "故障";
});

vocabulary!(
    /// What one look at a camera found.
    Finding {
    Fine => "fine", "正常";
    NoPicture => "no_picture", "无图像";
    Blurred => "blurred", "画面模糊";
    Moved => "moved", "角度偏移";
    Seen => "seen", "发现情况";
});

impl Finding {
    /// The camera itself is at fault: a repair task is opened.
    pub fn is_fault(self) -> bool {
        matches!(self, Finding::NoPicture | Finding::Blurred | Finding::Moved)
    }
}

/// Minutes between looks at a key camera.
pub const KEY_INTERVAL_MINUTES: i64 = 30;
/// Bounds of an ordinary camera's interval (minutes): from an hour to a week.
pub const ORDINARY_INTERVAL: std::ops::RangeInclusive<i64> = 60..=10_080;
/// An ordinary camera's interval when none is given: every four hours.
pub const ORDINARY_INTERVAL_DEFAULT: i64 = 240;

/// The interval a camera is held to: 30 minutes for a key camera, its own otherwise.
pub fn interval_minutes(tier: Tier, own: i64) -> i64 {
    match tier {
        Tier::Key => KEY_INTERVAL_MINUTES,
        Tier::Ordinary => own.clamp(*ORDINARY_INTERVAL.start(), *ORDINARY_INTERVAL.end()),
    }
}

/// When a camera is next due to be looked at: one interval after the last look (or after it
/// was registered, if never looked at).
pub fn due_at(last_checked_at: Option<i64>, registered_at: i64, interval_minutes: i64) -> i64 {
    last_checked_at.unwrap_or(registered_at) + interval_minutes * 60_000
}

/// Device types of GB/T 28181-2016 Appendix D that are cameras: 131 camera, 132 network
/// camera (IPC).
const CAMERA_TYPES: &[&str] = &["131", "132"];
/// Device types that may be a camera's parent recorder: 111 DVR, 118 NVR.
const RECORDER_TYPES: &[&str] = &["111", "118"];

/// Why a GB/T 28181 device ID is not acceptable, in words the importer can act on.
fn device_id_error(id: &str, types: &[&str], what: &str) -> Option<String> {
    if id.len() != 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("\"{id}\" is not a GB/T 28181 device ID (20 digits)"));
    }
    let kind = &id[10..13];
    if !types.contains(&kind) {
        return Some(format!("\"{id}\" has device type {kind} (digits 11–13); {what} is {}", types.join(" or ")));
    }
    None
}

/// A camera's device ID: 20 digits whose type code (digits 11–13) is 131 or 132.
pub fn check_camera_id(id: &str) -> Result<(), String> {
    device_id_error(id, CAMERA_TYPES, "a camera").map_or(Ok(()), Err)
}

/// A parent recorder's device ID: 20 digits whose type code is 111 (DVR) or 118 (NVR).
pub fn check_recorder_id(id: &str) -> Result<(), String> {
    device_id_error(id, RECORDER_TYPES, "a recorder").map_or(Ok(()), Err)
}

/// A stream or recorder address for the operator's own viewer: rtsp, rtmp, http(s) or sip.
pub fn check_stream_address(s: &str) -> Result<(), String> {
    let ok = ["rtsp://", "rtmp://", "http://", "https://", "sip:"].iter().any(|p| s.starts_with(p));
    if !ok || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an rtsp://, rtmp://, http(s):// or sip: address without spaces".into());
    }
    Ok(())
}

/// Coverage of key cameras at a moment: of the key cameras that are online, how many were
/// looked at within their interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    pub key_online: i64,
    pub key_covered: i64,
}

impl Coverage {
    /// Whole percent, 100 when there is nothing to cover.
    pub fn percent(self) -> i64 {
        if self.key_online == 0 { 100 } else { self.key_covered * 100 / self.key_online }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_follow_gb28181() {
        assert!(check_camera_id("33060300001320000001").is_ok());
        assert!(check_camera_id("33060300001310000001").is_ok());
        // An NVR's ID is not a camera's.
        let e = check_camera_id("33060300001180000001").unwrap_err();
        assert!(e.contains("device type 118"), "{e}");
        assert!(check_camera_id("3306030000132000000").unwrap_err().contains("20 digits"));
        assert!(check_camera_id("3306030000132000000x").is_err());
        assert!(check_camera_id("３３060300001320000001").is_err());
        assert!(check_recorder_id("33060300001180000001").is_ok());
        assert!(check_recorder_id("33060300001320000001").is_err());
    }

    #[test]
    fn key_cameras_every_half_hour_ordinary_at_their_interval() {
        assert_eq!(interval_minutes(Tier::Key, 600), 30);
        assert_eq!(interval_minutes(Tier::Ordinary, 600), 600);
        assert_eq!(interval_minutes(Tier::Ordinary, 5), 60);
        assert_eq!(interval_minutes(Tier::Ordinary, i64::MAX), 10_080);
        assert_eq!(due_at(None, 1_000, 30), 1_000 + 1_800_000);
        assert_eq!(due_at(Some(5_000), 1_000, 30), 5_000 + 1_800_000);
    }

    #[test]
    fn faults_and_sightings() {
        assert!(Finding::NoPicture.is_fault() && Finding::Blurred.is_fault() && Finding::Moved.is_fault());
        assert!(!Finding::Fine.is_fault() && !Finding::Seen.is_fault());
        assert_eq!(Finding::parse("画面模糊"), Some(Finding::Blurred));
        assert_eq!(CameraCategory::parse("棋牌室"), Some(CameraCategory::ChessCards));
    }

    #[test]
    fn stream_addresses() {
        assert!(check_stream_address("rtsp://10.1.2.3:554/ch1").is_ok());
        assert!(check_stream_address("javascript:alert(1)").is_err());
        assert!(check_stream_address("rtsp://a b").is_err());
    }

    #[test]
    fn coverage_percent() {
        assert_eq!(Coverage { key_online: 0, key_covered: 0 }.percent(), 100);
        assert_eq!(Coverage { key_online: 3, key_covered: 2 }.percent(), 66);
    }
}
