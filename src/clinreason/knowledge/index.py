"""`bm25`: a corpus indexed with bm25s, the index kept on disk keyed by the corpus's content hash.

The index is built once per corpus content (never per run) under the user cache directory
(`<cache>/clinreason/indexes/NAME-KEY/`, beside the data cache of `data/locate.py`), and loaded with
memory maps afterwards: passage texts stay on disk and only the ones retrieved are read, so opening a
million-passage index costs about what opening MedQuAD does. It is written to a temporary folder and
renamed into place, so an interrupted build or a bad corpus never leaves a partial index."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import RETRIEVERS, Passage
from .corpus import CorpusSource, read_passages, resolve
from .topk import Postings, term_maxima, top_k

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own default token pattern: queries split as documents did
TERM_MAX = "term_max.npy"  # each term's largest BM25 weight, for MaxScore pruning (topk.py)
DONE = "index.json"  # written last, inside the temporary folder: its presence means complete


def index_cache_dir(cache_dir: str | Path | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    import platformdirs  # here: followed at call time (tests point $XDG_CACHE_HOME elsewhere)

    return Path(platformdirs.user_cache_dir("clinreason")) / "indexes"


@RETRIEVERS.register("bm25")
class Bm25Retriever:
    """Lexical search over one corpus. Thread-safe: the scores are read-only arrays, and passages are
    read with positioned reads (`os.pread`), so one instance serves every worker of a run."""

    def __init__(self, name: str, directory: Path, built: bool, build_s: float | None = None):
        import bm25s

        start = time.perf_counter()
        self.name, self.directory, self.built, self.build_s = name, directory, built, build_s
        self.bm25 = bm25s.BM25.load(str(directory), mmap=True, show_progress=False)
        self.vocab: dict[str, int] = self.bm25.vocab_dict
        self.stopwords = frozenset(bm25s.stopwords.STOPWORDS_EN)
        self.offsets = np.load(directory / "offsets.npy", mmap_mode="r")
        self._fd = os.open(directory / "passages.jsonl", os.O_RDONLY)
        self.meta = json.loads((directory / DONE).read_text())
        self._cached_postings: Postings | None = None
        self.load_s = time.perf_counter() - start

    @classmethod
    def identity(cls, arg: str, *, data_dir=None) -> dict:
        # The name and content key, not the path: the same corpus elsewhere gives the same run id.
        source = resolve(arg, data_dir)
        return {"corpus": source.name, "key": source.key[:16]}

    @classmethod
    def open(cls, arg: str, *, data_dir=None, cache_dir=None) -> "Bm25Retriever":
        return open_index(resolve(arg, data_dir), cache_dir)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def search(self, query: str, k: int) -> list[Passage]:
        ids = [self.vocab[t] for t in _TOKEN.findall(query.lower()) if t not in self.stopwords and t in self.vocab]
        if not ids or k < 1:
            return []
        docs, scores = top_k(self._postings(), ids, k, len(self))
        return [self._passage(int(d), float(s)) for d, s in zip(docs, scores)]

    def _postings(self) -> Postings:
        """The postings with each term's largest weight (saved with the index; computed once for an
        index built before that was saved). bm25s's own `get_scores` fills a dense array of every
        document per query; this touches only what MaxScore cannot rule out (see topk.py)."""
        if self._cached_postings is None:
            s = self.bm25.scores
            path = self.directory / TERM_MAX
            maxima = np.load(path, mmap_mode="r") if path.is_file() else term_maxima(s["data"], s["indptr"])
            self._cached_postings = Postings(s["data"], s["indices"], s["indptr"], maxima)
        return self._cached_postings

    def _passage(self, index: int, score: float) -> Passage:
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        record = json.loads(os.pread(self._fd, end - start, start))
        return Passage(id=record["id"], title=record["title"], text=record["text"], score=score)

    def close(self) -> None:
        os.close(self._fd)


def open_index(source: CorpusSource, cache_dir: str | Path | None = None) -> Bm25Retriever:
    """The source's index: loaded when a complete one exists for its content, else built (once)."""
    root = index_cache_dir(cache_dir)
    directory = root / f"{source.name}-{source.key[:16]}"
    if (directory / DONE).is_file():
        return Bm25Retriever(source.name, directory, built=False)
    start = time.perf_counter()
    passages = read_passages(source)  # the whole corpus is checked before anything is written
    build(passages, directory, meta={"corpus": source.name, "kind": source.kind, "key": source.key})
    return Bm25Retriever(source.name, directory, built=True, build_s=time.perf_counter() - start)


def build(passages: list[Passage], directory: Path, meta: dict) -> None:
    """Index `passages` into `directory`, atomically: a temporary folder beside it, renamed at the end."""
    import bm25s

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        tokens = bm25s.tokenize([f"{p.title}\n{p.text}" for p in passages], stopwords="en", show_progress=False)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        bm25.save(str(tmp), show_progress=False)
        np.save(tmp / TERM_MAX, term_maxima(bm25.scores["data"], bm25.scores["indptr"]))
        offsets = [0]
        with open(tmp / "passages.jsonl", "wb") as f:
            for p in passages:
                line = json.dumps({"id": p.id, "title": p.title, "text": p.text}, ensure_ascii=False).encode() + b"\n"
                f.write(line)
                offsets.append(offsets[-1] + len(line))
        np.save(tmp / "offsets.npy", np.asarray(offsets, dtype=np.int64))
        (tmp / DONE).write_text(json.dumps({**meta, "n_passages": len(passages), "bm25s": bm25s.__version__,
                                            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}))
        if directory.exists() and not (directory / DONE).is_file():
            shutil.rmtree(directory)  # left by hand or by an older version: never complete, so never used
        try:
            os.rename(tmp, directory)
        except OSError:
            if not (directory / DONE).is_file():  # not another process finishing the same index first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
