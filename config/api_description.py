"""The REST API's description in its OpenAPI schema and on its documentation page: what it is,
how to authenticate, its conventions and the version and deprecation policy (the contract that
clients program against). Chinese first, then English; plain Markdown."""

API_DESCRIPTION = """
全国碳排放权交易市场履约管理数据的只读接口，覆盖31个省（区、市）和新疆生产建设兵团。

- **认证**：请求头 `Authorization: Token <令牌>`。令牌由管理员为每位审阅人签发
  （`manage.py issue_api_token <用户名>`，只显示一次），可随时吊销（`--revoke`）。
  生态环境部审阅人的令牌可读取全部省份；省级工作人员的令牌只能读取本省（或本市）；
  企业用户的令牌只能读取本企业。其他省份的记录与不存在的记录一样返回 404。
- **只读**：所有路径对 POST、PUT、PATCH、DELETE 一律返回 405。
- **分页与排序**：`page`、`page_size`（默认100，最多500）；任何排序最后都按唯一键排序，
  翻页不重复、不遗漏。`ordering` 排序，各筛选参数缩小范围，`updated_since` 取增量。
- **限流**：按令牌计数，超出时返回 429 并带 `Retry-After`。
- **版本与弃用**：版本号在路径中（`/api/v1/`）。同一版本内只做增加（新资源、新字段、
  新筛选参数、新枚举值），客户端应忽略不认识的字段；删除或更改字段只在新版本中进行。
  新版本发布后，旧版本至少保留12个月；停用日期至少提前90天在本文档的“变更记录”中公布，
  并以电子邮件通知所有持有有效令牌的用户，旧版本的响应同时带 `Deprecation` 和 `Sunset` 头。

Read-only access to the compliance data of China's national carbon emission trading market, for
the 31 provinces and the Xinjiang Production and Construction Corps.

## Authentication

Send `Authorization: Token <token>`. An administrator issues one token per reviewer
(`manage.py issue_api_token <username>`, shown once) and revokes it the same way (`--revoke`);
a missing, unknown or revoked token is 401. A ministry reviewer's token reads every province; a
provincial staff token only its province (or city); an enterprise user's token only its own
units. Another province's record answers 404, exactly as a missing one does. A user signed in
to the web application may also browse the API with their session.

## Conventions

- **Read-only**: POST, PUT, PATCH and DELETE answer 405 on every path.
- **Identifiers**: records are addressed by their UUID (`id`), provinces by their GB/T 2260
  code; sequential database ids never appear.
- **Pages**: `page` and `page_size` (default 100, at most 500). Every order ends with a unique
  key, so pages neither repeat nor skip rows. `ordering` sorts (`-` for descending), the
  filters narrow, and `updated_since` fetches what changed since a time.
- **Throttling**: requests are counted per token; beyond the rate the answer is 429 with
  `Retry-After`.
- **Values**: times are ISO 8601 with their offset; dates are in China Standard Time; emissions
  in tonnes of CO2 (equivalent); decimals are strings, so no precision is lost.
- **Drafts**: a draft submission is its enterprise's work in progress; only the enterprise's
  own users see it.

## Versions and deprecation

- The version is in the path (`/api/v1/`). Within a version, changes are only additions: new
  resources, fields, filters, ordering keys or enum values. Clients must ignore fields they do
  not know. `info.version` of this schema counts them (1.1.0, 1.2.0, ...).
- A change that could break a client (removing or renaming a field, changing its type or
  meaning, tightening a filter) is made only in a new version (`/api/v2/`), published beside
  the old one.
- Once a new version is out, the previous one lives for at least 12 months. Its end date is
  announced at least 90 days ahead in the changelog below and by e-mail to every user holding
  an active API token; from then on its responses carry `Deprecation` and `Sunset` headers
  (RFC 9745, RFC 8594).

## Changelog

- 1.0.0: provinces, industries, key emission units with their facilities, annual emissions,
  published lists and their entries, monthly certifications with evidence files, annual reports with
  attachments, data quality control plans, obligations.
- 1.1.0 (additions only): verification results, verification institutions and their
  evaluations (`verification-results`, `institutions`, `institution-evaluations`); allocations
  and settlements (`allocations`, `settlements`); statistics per province, the dashboards'
  measures (`statistics`); bulk snapshots (`snapshots`): per dataset, year and province (or
  national), a zip of CSV files with a manifest of row counts and SHA-256 checksums, and its
  download.
"""
