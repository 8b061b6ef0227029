"""The 2026 verification rules and institution evaluation rubric, loaded by data migration.
Later years are data edits in the admin, not code.

Sources (../shared/reference/domain-facts.md §8.2, §9): the objection window of 7 working days
and the province's 10 for re-review are the Measures' pattern (art. 27, "from memory, confidence
high"). No national rotation limit or scoring rubric was found: the rotation limit of 3 years and
the rubric (weights, deductions, bands after the Beijing 2024 and Guangdong templates, at least
5 reports to be graded as in Beijing) are demo values for a province to replace with its own.
"""

POLICY_2026 = {
    "year": 2026,
    "max_consecutive_years": 3,
    "objection_window_days": 7,
    "review_window_days": 10,
    "source": "碳排放权交易管理办法（试行）第二十七条（复核7个工作日/10个工作日）；"
    "轮换年限3年为演示值 / rotation limit 3 years is a demo value",
}

SCHEME_2026 = {
    "year": 2026,
    "weights": {"timeliness": 30, "quality": 50, "compliance": 20},
    "deductions": {"objection_upheld": 20, "conclusion_returned": 10, "spot_check_deviation": 40},
    "bands": [
        {"min": 90, "code": "excellent", "zh": "优秀", "en": "Excellent"},
        {"min": 80, "code": "good", "zh": "良好", "en": "Good"},
        {"min": 60, "code": "pass", "zh": "合格", "en": "Pass"},
        {"min": 0, "code": "fail", "zh": "不合格", "en": "Fail"},
    ],
    "min_reports": 5,
    "checklist": [
        {"code": "independence", "zh": "独立性与利益冲突声明完整", "veto": True,
         "en": "Independence and conflict-of-interest declarations complete"},
        {"code": "no_falsification", "zh": "无弄虚作假、出具虚假报告情形", "veto": True,
         "en": "No falsified records or false reports"},
        {"code": "staffing", "zh": "核查人员数量与专业能力符合要求", "veto": False,
         "en": "Verifier numbers and competence as required"},
        {"code": "procedure", "zh": "文件评审、现场核查程序完整", "veto": False,
         "en": "Document review and on-site procedure complete"},
        {"code": "archiving", "zh": "核查记录及时归档", "veto": False,
         "en": "Verification records archived on time"},
    ],
    "source": "演示评分规则（参照北京2024年、广东评估模板） / demo rubric after the Beijing 2024 "
    "and Guangdong templates",
}  # fmt: skip
