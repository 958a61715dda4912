"""The run plan: benchmark, items, method, model roles and scorers -> the run id.

The run id is derived from everything that determines a run's results, so the same command
reopens the same run and only items without a stored prediction are done again. Settings added
after the first release enter the id only when they differ from the old behaviour (extra model
roles, non-default scorers), so runs made before them keep their ids and resume.

Model specs are recorded (run row, config, run id) in their public form: a URL's password or key
is replaced by [REDACTED] (`clinreason.redact`). The specs as given are kept only to build the
models (`role_specs`). A run name becomes a file name, so it is checked (`redact.check_name`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from ..items import Item
from ..methods import MODEL_ROLE, Method
from ..models.protocol import Model
from ..redact import check_name, public_spec

DEFAULT_SCORERS = ("answer",)


@dataclass
class RunPlan:
    benchmark: str
    subset: str | None
    model_spec: str  # the model under test
    method: Method
    items: list[Item]
    seed: int = 0
    name: str | None = None  # overrides the derived run id
    extra: dict = field(default_factory=dict)  # recorded in the run config (e.g. data source)
    roles: dict[str, str] = field(default_factory=dict)  # other model roles -> spec (patient, extractor, ...)
    scorers: tuple[str, ...] = DEFAULT_SCORERS  # the first is the headline
    # (index, count): do only the items at positions index, index+count, ... of the planned run.
    # Not part of the run id: shards of one run, done anywhere, merge into that run.
    shard: tuple[int, int] | None = None
    # Knowledge sources, used only by methods that declare them (Method.knowledge): --corpus specs
    # (default medquad) and the --graph spec (default hetionet). Their identities (content hash,
    # public spec) enter the config and run id only then, so other runs keep their ids.
    corpora: tuple[str, ...] = ()
    graph: str | None = None
    data_dir: str | None = None  # where built-in corpora are found; not recorded (paths differ by machine)
    # Role -> the spec as given (a URL's secret included), to build the models only; never recorded.
    # Set by __post_init__; accepted back (RunPlan(**plan.__dict__)) only while it matches the specs.
    _given_specs: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _knowledge: dict | None = field(default=None, repr=False, compare=False)  # knowledge_config(), computed once

    def __post_init__(self) -> None:
        if self.name is not None:
            check_name(self.name, "run name")
        if MODEL_ROLE in self.roles:
            raise ValueError(f"role {MODEL_ROLE!r} is the model under test: give it as model_spec")
        missing = [r for r in self.method.roles if r not in self.roles]
        if missing:
            raise ValueError(f"method {self.method.name!r} needs the model role(s) {', '.join(missing)}: "
                             + " ".join(f"--{r} SPEC" for r in missing))
        needs = knowledge_needed(self.method)
        if "retriever" in needs:
            from ..knowledge import DEFAULT_CORPUS, split_specs

            self.corpora = tuple(split_specs(self.corpora)) or (DEFAULT_CORPUS,)
        if "graph" in needs and not self.graph:
            from ..knowledge import DEFAULT_GRAPH

            self.graph = DEFAULT_GRAPH
        if self.shard is not None:
            index, count = self.shard
            if count < 1 or not 0 <= index < count:
                raise ValueError(f"shard {index}/{count}: expected 0 <= index < count")
        # Record public specs only; keep the given ones (secrets included) to build the models.
        given = dict(self._given_specs)
        public = {MODEL_ROLE: public_spec(self.model_spec), **{r: public_spec(s) for r, s in self.roles.items()}}
        if not given or {r: public_spec(s) for r, s in given.items()} != public:
            given = {MODEL_ROLE: self.model_spec, **self.roles}
        self._given_specs = given
        self.model_spec = public[MODEL_ROLE]
        self.roles = {role: public[role] for role in self.roles}

    def role_specs(self) -> dict[str, str]:
        """Role -> the spec as given, to build each role's model (public specs are what is recorded)."""
        return dict(self._given_specs)

    def config(self, models: dict[str, Model] | Model) -> dict:
        models = _by_role(models)
        config = {"method": self.method.config(), "seed": self.seed, "n_items": len(self.items),
                  "model_identity": models[MODEL_ROLE].identity, **self.extra}
        if self.roles:
            config["roles"] = {role: {"spec": self.roles[role], "identity": models[role].identity}
                               for role in sorted(self.roles)}
        if tuple(self.scorers) != DEFAULT_SCORERS:
            config["scorers"] = list(self.scorers)
        config.update(self.knowledge_config())
        return config

    def knowledge_config(self) -> dict:
        """The identities of the knowledge sources the method uses (none: {}), computed once."""
        if self._knowledge is None:
            needs, config = knowledge_needed(self.method), {}
            if "retriever" in needs:
                from ..knowledge import retriever_identity

                config["corpora"] = retriever_identity(self.corpora, self.data_dir)
            if "graph" in needs:
                config["graph"] = _graph_identity(self.graph, self.data_dir)
            self._knowledge = config
        return dict(self._knowledge)

    def run_id(self, models: dict[str, Model] | Model) -> str:
        if self.name:
            return self.name
        digest = hashlib.sha256(json.dumps(
            {"benchmark": self.benchmark, "subset": self.subset, "config": self.config(models),
             "items": [i.content_hash() for i in self.items]}, sort_keys=True).encode()).hexdigest()[:8]
        model_slug = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model_spec.split("/")[-1].split("#")[-1])[:32]
        parts = [self.benchmark, self.subset or "", self.method.name, model_slug, digest]
        return "-".join(p for p in parts if p)

    def shard_items(self) -> list[Item]:
        if self.shard is None:
            return list(self.items)
        index, count = self.shard
        return [item for position, item in enumerate(self.items) if position % count == index]


def check_vision(plan: RunPlan, models: dict[str, Model] | Model) -> None:
    """Refuse (ValueError), before anything is written, a plan whose items show images when the model
    under test cannot see them (Capabilities.vision). Image-blind items (none shows an image) run anywhere."""
    model = _by_role(models)[MODEL_ROLE]
    if model.capabilities.vision:
        return
    seeing = [item for item in plan.items
              if item.images or any(m.images for m in item.messages or ())]
    if seeing:
        raise ValueError(
            f"{plan.model_spec} cannot see images: {len(seeing)} of the {len(plan.items)} items show one "
            f"(e.g. {seeing[0].id}); use --blind (the image-blind baseline) or a vision model "
            "(openai-compat:URL#MODEL of a vision server)")


def knowledge_needed(method: Method) -> tuple[str, ...]:
    """What the method reads ("retriever", "graph"): its own declaration, and that of the tools it
    offers (e.g. `tools` with `--param tools=search`)."""
    from ..tools import TOOLS

    needs = list(method.knowledge)
    for tool in getattr(method.params, "tools", None) or method.tools:
        if tool in TOOLS:
            needs.extend(getattr(TOOLS.get(tool), "knowledge", ()))
    return tuple(dict.fromkeys(needs))


def _graph_identity(spec: str | None, data_dir: str | None = None) -> dict:
    """The graph's identity: its own module's (e.g. a content hash) when it offers one, else the spec."""
    from ..knowledge import graph as graph_module
    from ..redact import public_spec

    identity = getattr(graph_module, "graph_identity", None)
    return dict(identity(spec, data_dir)) if identity else {"spec": public_spec(spec)}


def _by_role(models: dict[str, Model] | Model) -> dict[str, Model]:
    return dict(models) if isinstance(models, dict) else {MODEL_ROLE: models}
