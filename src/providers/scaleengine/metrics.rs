//! ScaleEngine's gauge families: per video URL (a capped table) and per
//! app (its totals, always exact).

use crate::exposition::{families, Table};

families! {
    VIDEO_BYTES = "scaleengine_video_bytes",
        "Bytes of bandwidth used by a video URL or stream in the period so far (video.usage bytes_total, duplicate rows summed).";
    VIDEO_REQUESTS = "scaleengine_video_requests",
        "Play, pause and stop commands received for a video URL or stream in the period so far (video.usage requests_total).";
    APP_BYTES = "scaleengine_app_bytes",
        "Bytes of bandwidth used by an app in the period so far: the sum of its video.usage rows.";
    APP_REQUESTS = "scaleengine_app_requests",
        "Requests received by an app in the period so far: the sum of its video.usage rows.";
}

/// The per-URL families, capped together by `max_series` (ranked by bytes).
pub static VIDEOS: Table = Table {
    families: [&VIDEO_BYTES, &VIDEO_REQUESTS],
    group: &["app"],
    id: &["video_url"],
    id_first: false,
};
