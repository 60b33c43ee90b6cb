"""Segmentation: the same cuts as jieba (precise mode, no HMM), from a dictionary read bucket by bucket."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import segment
from pipeline.segment import CACHE_NAME, Dictionary, build_buckets

#: Real-shaped phrases: the windows targets.py segments (metric starts, metric ends, numerals inside
#: words), mixed with ASCII, digits, blanks and punctuation the way captures print them.
EXAMPLES = [
    "新增城镇就业5000人",
    "统一个人信息",
    "力争全年新签约亿元以上项目",
    "努力实现地区生产总值增长7%左右",
    "完成率",
    "社区卫生服务中心达到优质服务基层行推荐标准",
    "承办和保障国家、省、市级各类体育赛事",
    "两个社区、三所学校",
    "建成5G基站120个，GDP增长6.5%",
    "年内完成 PM2.5 浓度下降 3%",
    "c++ 和 C# 与 AT&T",
    "一批项目；建好一栋楼\r\n二是抓落实",
    "城鎮新增就業3.7萬人（繁體）",
    "",
    " \t ",
    "abc_def-ghi.jkl%mno",
    "第一季度 第二季度\u3000第三季度",
]


@pytest.fixture(scope="module")
def jieba_tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


@pytest.mark.parametrize("text", EXAMPLES, ids=range(len(EXAMPLES)))
def test_cuts_are_jiebas(text, jieba_tokenizer):
    assert segment.cut(text) == jieba_tokenizer.lcut(text, HMM=False)


def test_every_window_of_the_sample_is_cut_as_jieba_cuts_it(jieba_tokenizer):
    text = (Path(__file__).parent.parent / "raw" / "huangshigang-2025-notice.txt").read_text("utf-8")
    windows = [text[i:i + 48] for i in range(0, len(text), 7)]
    assert len(windows) > 1000
    assert [segment.cut(w) for w in windows] == [jieba_tokenizer.lcut(w, HMM=False) for w in windows]


def test_tokens_leave_out_blanks():
    assert segment.tokens("新增 城镇就业") == ["新增", "城镇", "就业"]
    assert segment.tokenizer().lcut("就业 ") == ["就业", " "]
    with pytest.raises(ValueError):
        segment.tokenizer().lcut("就业", HMM=True)


# --------------------------------------------------------------------------
# The bucket file: built once, rebuilt when stale or damaged
# --------------------------------------------------------------------------

SMALL_DICT = "城镇 30 n\n就业 40 v\n城镇就业 5 n\n新增 20 v\n新 3 a\n"


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A private cache and a five-word jieba dictionary (so a build takes milliseconds)."""
    source = tmp_path / "dict.txt"
    source.write_text(SMALL_DICT, "utf-8")
    monkeypatch.setenv("FENJIE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(segment, "jieba_dictionary", lambda: source)
    monkeypatch.setattr(segment, "_DICTIONARY", None)
    yield source
    segment._DICTIONARY = None


def test_buckets_hold_words_and_prefixes_by_first_character(small, tmp_path):
    build_buckets(small, tmp_path / "b")
    d = Dictionary(tmp_path / "b", small)
    assert d.bucket("城") == {"城": 0, "城镇": 30, "城镇就": 0, "城镇就业": 5}
    assert d.bucket("新") == {"新": 3, "新增": 20}
    assert d.bucket("人") == {}
    assert d.total == 98


def test_the_cache_is_built_once_and_read_after(small, tmp_path):
    assert segment.tokens("新增城镇就业") == ["新增", "城镇", "就业"]
    built = tmp_path / "cache" / CACHE_NAME
    first = built.stat().st_mtime_ns
    segment._DICTIONARY = None
    assert segment.tokens("新增城镇就业") == ["新增", "城镇", "就业"]
    assert built.stat().st_mtime_ns == first


def test_a_changed_dictionary_rebuilds_the_cache(small):
    assert segment.tokens("城镇就业") == ["城镇", "就业"]
    small.write_text(SMALL_DICT + "城镇就业 900 n\n", "utf-8")
    os.utime(small, ns=(1, 1))
    segment._DICTIONARY = None
    assert segment.tokens("城镇就业") == ["城镇就业"]


@pytest.mark.parametrize("damage", [b"", b"garbage\n", "truncated"])
def test_a_damaged_cache_is_rebuilt(small, tmp_path, damage):
    segment.tokens("新增")
    built = tmp_path / "cache" / CACHE_NAME
    data = built.read_bytes()
    built.write_bytes(data[:-3] if damage == "truncated" else damage)
    segment._DICTIONARY = None
    assert segment.tokens("新增城镇就业") == ["新增", "城镇", "就业"]
    assert built.read_bytes() == data


def test_nothing_is_loaded_at_import():
    code = ("import sys, pipeline.segment, pipeline.targets, pipeline.extract; "
            "print(sorted(m for m in ('jieba', 'pandas') if m in sys.modules), pipeline.segment._DICTIONARY)")

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "None"]
