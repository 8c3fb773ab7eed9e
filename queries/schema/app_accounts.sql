-- purpose: app accounts held by cadres: the apps "on the phone"
-- grain: one row per cadre, app and opening
-- parameters: none
create table if not exists app_accounts (
    cadre_id   varchar not null,
    app_id     varchar not null,
    opened_on  date not null,
    closed_on  date               -- null while the account is open
);
