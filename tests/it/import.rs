//! Bulk import: a 1,000-row register, all-or-nothing by default, valid rows on request,
//! idempotent on re-run, CSV and XLSX.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{admission, resident};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::TestApp;

fn register_csv(rows: usize, bad_line: Option<usize>) -> String {
    let mut s = String::from(
        "full_name,date_of_birth,sex,id_kind,id_number,home_province,home_commune,admission_type,document_number,document_date,issuing_body,admitted_on,term_months,zone\n",
    );
    for i in 0..rows {
        let dob = if Some(i) == bad_line {
            "01/01/2099"
        } else {
            "15/06/1990"
        };
        s.push_str(&format!(
            "Nguyễn Văn Số {i},{dob},Nam,CCCD,001090{i:06},Hà Nội,Xã Tản Lĩnh,compulsory_adult,{}/2025/QĐ-TA,01/03/2025,TAND huyện Ba Vì,02/03/2025,12,\n",
            i + 1
        ));
    }
    s
}

#[tokio::test]
async fn a_thousand_row_register_imports_once() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let csv = register_csv(1000, None);
    let r = c
        .post_file(
            "/residents/import",
            csv.as_bytes(),
            &[("mode", "all_or_nothing")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(3000)]
    );
    r.assert_contains("Đã nhập 1000 dòng");
    assert_eq!(
        resident::Entity::find().count(app.db()).await.unwrap(),
        1000
    );
    assert_eq!(
        admission::Entity::find().count(app.db()).await.unwrap(),
        1000
    );
    // Search finds an imported person without accents.
    c.get("/residents?q=nguyen+van+so+999")
        .await
        .assert_contains("Nguyễn Văn Số 999");
    // The same file again: nothing new.
    let r = c.post_file("/residents/import", csv.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Đã nhập 0 dòng; 1000 dòng đã có trong hệ thống được bỏ qua.");
    assert_eq!(
        resident::Entity::find().count(app.db()).await.unwrap(),
        1000
    );
    assert_eq!(
        admission::Entity::find().count(app.db()).await.unwrap(),
        1000
    );
}

#[tokio::test]
async fn one_bad_row_stops_everything_unless_valid_rows_are_chosen() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let csv = register_csv(20, Some(7));
    let r = c
        .post_file(
            "/residents/import",
            csv.as_bytes(),
            &[("mode", "all_or_nothing")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không dòng nào được nhập vì có 1 dòng không hợp lệ.");
    r.assert_contains("Ngày sinh không thể ở tương lai.");
    assert_eq!(
        resident::Entity::find().count(app.db()).await.unwrap(),
        0,
        "nothing half-written"
    );
    let r = c
        .post_file(
            "/residents/import",
            csv.as_bytes(),
            &[("mode", "valid_only")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Đã nhập 19 dòng");
    assert_eq!(resident::Entity::find().count(app.db()).await.unwrap(), 19);
    // A malformed file is explained, not a 500.
    let r = c
        .post_file("/residents/import", b"full_name,sex\nA,male\n", &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Thiếu cột bắt buộc: date_of_birth.");
    let r = c
        .post_file("/residents/import", b"PK\x03\x04not really a zip", &[])
        .await;
    r.assert_contains("Không đọc được tệp XLSX.");
    // Other roles cannot import.
    let mut nurse = app.login_as(Role::Nurse).await;
    assert_eq!(
        nurse
            .post_file("/residents/import", csv.as_bytes(), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn xlsx_registers_with_labels_dates_and_numeric_ids() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Loại giấy tờ",
        "Số giấy tờ",
        "Tỉnh/thành phố",
        "Xã/phường",
        "Căn cứ tiếp nhận",
        "Số quyết định/hợp đồng",
        "Ngày quyết định/ký",
        "Ngày tiếp nhận",
        "Thời hạn (tháng)",
    ];
    for (i, h) in header.iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    let date_fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let d = |y, m, day| rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, day).unwrap();
    sheet.write_string(1, 0, "Trần Thị Hương").unwrap();
    sheet
        .write_datetime_with_format(1, 1, &d(1995, 2, 20), &date_fmt)
        .unwrap();
    sheet.write_string(1, 2, "Nữ").unwrap();
    sheet.write_string(1, 3, "CCCD").unwrap();
    sheet.write_number(1, 4, 1195001234.0).unwrap(); // leading zeros lost, as in real spreadsheets
    sheet.write_string(1, 5, "Hà Nội").unwrap();
    sheet.write_string(1, 6, "Phường Bồ Đề").unwrap();
    sheet.write_string(1, 7, "Cai nghiện tự nguyện").unwrap();
    sheet.write_string(1, 8, "HĐ-5/2025").unwrap();
    sheet
        .write_datetime_with_format(1, 9, &d(2025, 4, 1), &date_fmt)
        .unwrap();
    sheet
        .write_datetime_with_format(1, 10, &d(2025, 4, 1), &date_fmt)
        .unwrap();
    sheet.write_number(1, 11, 6.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = c.post_file("/residents/import", &bytes, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("Đã nhập 1 dòng");
    let p = resident::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.id_number.as_str(), p.sex.as_str()),
        ("001195001234", "female")
    );
    let a = admission::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.admission_type.as_str(), a.term_months),
        ("voluntary", Some(6))
    );
}

/// A tiny workbook that claims a cell at XFD1048576 (the whole sheet) is refused with a
/// message, without materialising the sheet; so is one far down the rows.
#[tokio::test]
async fn a_workbook_claiming_a_huge_sheet_is_refused_not_allocated() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let bomb = |row: u32, col: u16| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Họ và tên").unwrap();
        sheet.write_string(row, col, "x").unwrap();
        book.save_to_buffer().unwrap()
    };
    let wide = bomb(1_048_575, 16_383);
    assert!(wide.len() < 10_000, "{} bytes", wide.len());
    let r = c.post_file("/residents/import", &wide, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("hơn 64 cột");
    let tall = bomb(1_048_575, 0);
    let r = c.post_file("/residents/import", &tall, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("20000");
    // The centre still answers.
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
}
