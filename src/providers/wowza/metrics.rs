//! Wowza Streaming Cloud's gauge families, and the tables that cap each
//! per-row pair of them (used and billed) together.

use crate::exposition::{families, Table};

families! {
    TRANSCODER_USED_SECONDS = "wowza_cloud_transcoder_used_seconds",
        "Stream processing time used by a transcoder in the window (/usage/time/transcoders seconds_used).";
    TRANSCODER_BILLED_SECONDS = "wowza_cloud_transcoder_billed_seconds",
        "Stream processing time billed for a transcoder in the window (/usage/time/transcoders seconds_billed; updated every 12 hours).";
    TRANSCODER_EGRESS_USED_BYTES = "wowza_cloud_transcoder_egress_used_bytes",
        "Bytes leaving Wowza from a transcoder in the window (/usage/network/transcoders bytes_used).";
    TRANSCODER_EGRESS_BILLED_BYTES = "wowza_cloud_transcoder_egress_billed_bytes",
        "Transcoder egress bytes billed in the window (/usage/network/transcoders bytes_billed; updated every 12 hours).";
    STREAM_SOURCE_USED_BYTES = "wowza_cloud_stream_source_used_bytes",
        "Bytes through a stream source in the window (/usage/network/stream_sources bytes_used; about 3 hours behind).";
    STREAM_SOURCE_BILLED_BYTES = "wowza_cloud_stream_source_billed_bytes",
        "Stream source bytes billed in the window (/usage/network/stream_sources bytes_billed).";
    STREAM_TARGET_USED_BYTES = "wowza_cloud_stream_target_used_bytes",
        "Bytes through a stream target in the window (/usage/network/stream_targets bytes_used; about 3 hours behind).";
    STREAM_TARGET_BILLED_BYTES = "wowza_cloud_stream_target_billed_bytes",
        "Stream target bytes billed in the window (/usage/network/stream_targets bytes_billed).";
    STREAM_TARGET_ZONE_USED_BYTES = "wowza_cloud_stream_target_zone_used_bytes",
        "Bytes through a stream target by protocol and billing zone (/usage/network/stream_targets protocols.*.zones.*.bytes_used).";
    STREAM_TARGET_ZONE_BILLED_BYTES = "wowza_cloud_stream_target_zone_billed_bytes",
        "Stream target bytes billed by protocol and billing zone; absent where Wowza reports -1 (not billed yet).";
    PEAK_RECORDING_STORAGE_BYTES = "wowza_cloud_peak_recording_storage_bytes",
        "Greatest recording storage held at any point in the window (/usage/storage/peak_recording bytes_total).";
    UNIQUE_VIEWERS = "wowza_cloud_stream_target_unique_viewers",
        "Unique viewers of a stream target in the window (viewer_data total_unique_viewers; may take 48 hours to finalize).";
    VIEWING_SECONDS = "wowza_cloud_stream_target_viewing_seconds",
        "Total viewing time of a stream target in the window (viewer_data seconds_total_viewing_time).";
    UNIQUE_VIEWERS_BY_COUNTRY = "wowza_cloud_stream_target_unique_viewers_by_country",
        "Unique viewers of a stream target by country code (viewer_data countries).";
    VIEWING_SECONDS_BY_COUNTRY = "wowza_cloud_stream_target_viewing_seconds_by_country",
        "Viewing time of a stream target by country code (viewer_data countries).";
    UNIQUE_VIEWERS_BY_PROTOCOL = "wowza_cloud_stream_target_unique_viewers_by_protocol",
        "Unique viewers of a stream target by playback protocol (viewer_data protocols).";
    VIEWING_SECONDS_BY_PROTOCOL = "wowza_cloud_stream_target_viewing_seconds_by_protocol",
        "Viewing time of a stream target by playback protocol (viewer_data protocols).";
    UNIQUE_VIEWERS_BY_RENDITION = "wowza_cloud_stream_target_unique_viewers_by_rendition",
        "Unique viewers of a stream target by rendition bitrate in kbps (viewer_data renditions).";
    VIEWING_SECONDS_BY_RENDITION = "wowza_cloud_stream_target_viewing_seconds_by_rendition",
        "Viewing time of a stream target by rendition bitrate in kbps (viewer_data renditions).";
    WINDOW_START = "wowza_cloud_usage_window_start_timestamp_seconds",
        "Start (from) of the window of the last successful query of the resource.";
    WINDOW_END = "wowza_cloud_usage_window_end_timestamp_seconds",
        "End (to) of the window of the last successful query of the resource: how fresh the data can be.";
}

macro_rules! tables {
    ($($id:ident = [$($family:ident),*], group [$($group:literal),*], id [$($label:literal),*];)*) => {
        $(pub static $id: Table = Table {
            families: [$(&$family),*],
            group: &[$($group),*],
            id: &[$($label),*],
            id_first: true,
        };)*
    };
}

tables! {
    TRANSCODER_TIME = [TRANSCODER_USED_SECONDS, TRANSCODER_BILLED_SECONDS],
        group ["billing_mode", "transcoder_type"], id ["transcoder_id", "transcoder_name", "deleted"];
    TRANSCODER_EGRESS = [TRANSCODER_EGRESS_USED_BYTES, TRANSCODER_EGRESS_BILLED_BYTES],
        group ["billing_mode", "transcoder_type"], id ["transcoder_id", "transcoder_name", "deleted"];
    STREAM_SOURCES = [STREAM_SOURCE_USED_BYTES, STREAM_SOURCE_BILLED_BYTES],
        group [], id ["stream_source_id", "stream_source_name", "deleted"];
    STREAM_TARGETS = [STREAM_TARGET_USED_BYTES, STREAM_TARGET_BILLED_BYTES],
        group [], id ["stream_target_id", "stream_target_name", "deleted"];
    STREAM_TARGET_ZONES = [STREAM_TARGET_ZONE_USED_BYTES, STREAM_TARGET_ZONE_BILLED_BYTES],
        group ["protocol", "zone"], id ["stream_target_id", "stream_target_name", "deleted"];
    VIEWERS = [UNIQUE_VIEWERS, VIEWING_SECONDS],
        group [], id ["stream_target_id", "stream_target_name"];
    VIEWERS_BY_COUNTRY = [UNIQUE_VIEWERS_BY_COUNTRY, VIEWING_SECONDS_BY_COUNTRY],
        group ["country"], id ["stream_target_id", "stream_target_name"];
    VIEWERS_BY_PROTOCOL = [UNIQUE_VIEWERS_BY_PROTOCOL, VIEWING_SECONDS_BY_PROTOCOL],
        group ["protocol"], id ["stream_target_id", "stream_target_name"];
    VIEWERS_BY_RENDITION = [UNIQUE_VIEWERS_BY_RENDITION, VIEWING_SECONDS_BY_RENDITION],
        group ["rendition"], id ["stream_target_id", "stream_target_name"];
}
