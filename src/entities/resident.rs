use sea_orm::entity::prelude::*;

/// A person (học viên). One record per person: the identity document is unique.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resident")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub full_name: String,
    /// Lower case, without diacritics (đ → d), for searching.
    pub name_search: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub id_kind: String,
    pub id_number: String,
    pub home_province: String,
    pub home_district: String,
    pub home_commune: String,
    /// Key of the administrative unit the home address resolved to (`divisions`), or
    /// None when recorded as written.
    pub home_unit: Option<String>,
    pub home_address: String,
    /// Street, village or hamlet of the current residence.
    pub current_address: String,
    /// Administrative part of the current residence (nơi ở hiện tại); empty on records
    /// from before it was asked.
    pub current_province: String,
    pub current_district: String,
    pub current_commune: String,
    pub current_unit: Option<String>,
    pub family_contact: String,
    pub substances: String,
    pub education: String,
    pub occupation: String,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i32>,
}

impl ActiveModelBehavior for ActiveModel {}
