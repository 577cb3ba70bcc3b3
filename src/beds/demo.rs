//! The demo's ward layout: zones for each kind of admission and sex, rooms of 42 m² with
//! six beds, enough beds for the receiving capacity; each demo resident is put in a bed
//! of the zone the intake desk recorded.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    Set,
};

use super::store::IN_SERVICE;
use crate::entities::{
    admission, bed, bed_assignment, bed_state_change, planned_intake, room, zone,
};
use crate::error::AppResult;
use crate::intake::store::ACTIVE;

/// (code, name, kind, sex, share of beds in percent).
const LAYOUT: &[(&str, &str, &str, &str, usize)] = &[
    ("BB-NAM", "Khu bắt buộc nam", "compulsory", "male", 62),
    ("BB-NU", "Khu bắt buộc nữ", "compulsory", "female", 5),
    ("TN-NAM", "Khu tự nguyện nam", "voluntary", "male", 14),
    ("TN-NU", "Khu tự nguyện nữ", "voluntary", "female", 2),
    ("CTN", "Khu người chưa thành niên", "minors", "male", 4),
    ("LT-NAM", "Khu lưu trú tạm thời nam", "temporary", "male", 7),
    ("LT-NU", "Khu lưu trú tạm thời nữ", "temporary", "female", 1),
    ("YT-NAM", "Khu y tế - cắt cơn nam", "medical", "male", 3),
    (
        "TNH-NAM",
        "Khu bệnh truyền nhiễm nam",
        "infectious",
        "male",
        1,
    ),
    ("KL-NAM", "Khu kỷ luật nam", "discipline", "male", 1),
];

pub async fn seed<C: ConnectionTrait>(
    conn: &C,
    receiving_capacity: i32,
    today: chrono::NaiveDate,
) -> AppResult<usize> {
    if zone::Entity::find().count(conn).await? > 0 {
        return Ok(0);
    }
    let total = usize::try_from(receiving_capacity).unwrap_or(0).max(60);
    let mut beds_made = 0;
    for (code, name, kind, sex, share) in LAYOUT {
        let z = zone::ActiveModel {
            code: Set((*code).into()),
            name: Set((*name).into()),
            kind: Set((*kind).into()),
            sex: Set((*sex).into()),
            active: Set(true),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let beds = (total * share).div_ceil(100).max(6);
        let rooms = beds.div_ceil(6);
        for r in 0..rooms {
            let room = room::ActiveModel {
                zone_id: Set(z.id),
                code: Set(format!("P{:02}", r + 1)),
                floor_area_m2: Set(42.0),
                care_24h: Set(*kind == "medical"),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            for b in 0..6 {
                bed::ActiveModel {
                    room_id: Set(room.id),
                    code: Set(format!("{code}-P{:02}-{:02}", r + 1, b + 1)),
                    tags: Set(if b % 2 == 0 {
                        "lower_bunk".into()
                    } else {
                        String::new()
                    }),
                    state: Set(IN_SERVICE.into()),
                    out_reason: Set(String::new()),
                    out_until: Set(None),
                    out_permanent: Set(false),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
                beds_made += 1;
            }
        }
    }
    // Put every active resident in a free bed of the zone recorded at intake.
    let zones = zone::Entity::find().all(conn).await?;
    let rooms = room::Entity::find().all(conn).await?;
    let mut free: Vec<(i32, i32)> = bed::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|b| {
            rooms
                .iter()
                .find(|r| r.id == b.room_id)
                .map(|r| (r.zone_id, b.id))
        })
        .collect();
    free.reverse();
    let now = Utc::now();
    for a in admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?
    {
        let Some(z) = zones.iter().find(|z| z.name == a.zone) else {
            continue;
        };
        let Some(pos) = free.iter().rposition(|(zid, _)| *zid == z.id) else {
            continue;
        };
        let (_, bed_id) = free.remove(pos);
        bed_assignment::ActiveModel {
            bed_id: Set(bed_id),
            admission_id: Set(a.id),
            from_at: Set(now),
            to_at: Set(None),
            reason: Set("demo".into()),
            override_reason: Set(String::new()),
            assigned_by: Set("demo".into()),
            ended_by: Set(String::new()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    // A few free beds under repair, and intakes announced for the coming weeks, so the
    // board and the forecast show what a working centre has.
    for (i, (bed_id, reason)) in free
        .iter()
        .map(|(_, b)| *b)
        .zip(["Gãy khung giường", "Sửa chữa hệ thống điện phòng"])
        .enumerate()
    {
        let until = today + chrono::Duration::days(10 + 10 * i as i64);
        let Some(b) = bed::Entity::find_by_id(bed_id).one(conn).await? else {
            continue;
        };
        let mut am = b.into_active_model();
        am.state = Set(super::store::OUT_OF_SERVICE.into());
        am.out_reason = Set(reason.into());
        am.out_until = Set(Some(until));
        am.update(conn).await?;
        bed_state_change::ActiveModel {
            bed_id: Set(bed_id),
            at: Set(now),
            state: Set(super::store::OUT_OF_SERVICE.into()),
            reason: Set(reason.into()),
            until: Set(Some(until)),
            permanent: Set(false),
            changed_by: Set("demo".into()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    for (days, count, kind, note) in [
        (
            7,
            (receiving_capacity / 40).max(2),
            "compulsory_adult",
            "Danh sách Tòa án nhân dân",
        ),
        (
            21,
            (receiving_capacity / 25).max(3),
            "compulsory_adult",
            "Công an bàn giao",
        ),
        (
            35,
            (receiving_capacity / 60).max(2),
            "voluntary",
            "Hợp đồng tự nguyện",
        ),
    ] {
        planned_intake::ActiveModel {
            expected_on: Set(today + chrono::Duration::days(days)),
            count: Set(count),
            admission_type: Set(kind.into()),
            note: Set(note.into()),
            created_by: Set("demo".into()),
            created_at: Set(now),
            cancelled_at: Set(None),
            cancelled_by: Set(String::new()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(beds_made)
}
