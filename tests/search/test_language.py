"""Query language detection: script counts, with numbers, units and acronyms neutral."""

import pytest

from search.language import detect_language, profile_language


@pytest.mark.parametrize(
    "query, expected",
    [
        ("深圳到2025年食品抽检要达到什么水平", "zh"),
        ("深圳十四五期间PM2.5的目标定在多少?", "zh"),  # PM2.5 is neutral
        ("湖州GDP占比", "zh"),  # an acronym Chinese texts use themselves
        ("大连5G基站建设", "zh"),
        ("罗湖区 100 km 绿道", "zh"),  # unit
        ("“十四五”规划", "zh"),
        ("Shenzhen 2025 food sampling target", "en"),
        ("How many express parcels should Dalian handle by 2025?", "en"),
        ("PM2.5 target", "en"),
        ("GDP 2025", "en"),  # no Han at all: English
        ("ＳＨＥＮＺＨＥＮ food safety", "en"),  # full-width Latin
        ("Shenzhen PM2.5 目标", "mixed"),
        ("What is the 营商环境 target for Shenzhen?", "mixed"),
        ("深圳 food sampling", "mixed"),
        ("", "zh"),  # empty and numbers only take the unchanged Chinese path
        ("2025", "zh"),
        ("10,000 / 2025", "zh"),
    ],
)
def test_detect_language(query, expected):
    assert detect_language(query) == expected


def test_profile_counts():
    profile = profile_language("Shenzhen PM2.5 目标 2025")
    assert profile.language == "mixed"
    assert profile.han == 2
    assert profile.latin_words == 1  # Shenzhen
    assert profile.neutral == 2  # PM2.5, 2025


def test_traditional_chinese_is_chinese():
    assert detect_language("深圳市食品藥品安全規劃的抽檢目標") == "zh"
