"""The generic structural causal model: exact distributions, streams, do(), chunks, errors."""

import numpy as np
import pytest

from simlib.errors import ModelError, ParameterError
from simlib.scm import Model, Node

# A tiny model with a joint distribution we can write down exactly:
#   rain ~ Bernoulli(0.3); sprinkler | rain ~ Bernoulli(0.1 if rain else 0.6);
#   wet | rain, sprinkler ~ Bernoulli(P_WET[rain, sprinkler]).
P_RAIN = 0.3
P_SPRINKLER = {True: 0.1, False: 0.6}
P_WET = {(False, False): 0.05, (False, True): 0.8, (True, False): 0.9, (True, True): 0.99}


def rain(rng, n):
    return rng.random(n) < P_RAIN


def sprinkler(rng, n, rain):
    return rng.random(n) < np.where(rain, P_SPRINKLER[True], P_SPRINKLER[False])


def wet(rng, n, rain, sprinkler):
    p = np.select([~rain & ~sprinkler, ~rain & sprinkler, rain & ~sprinkler],
                  [P_WET[False, False], P_WET[False, True], P_WET[True, False]],
                  P_WET[True, True])
    return rng.random(n) < p


def garden() -> Model:
    return Model([Node("rain", rain), Node("sprinkler", sprinkler), Node("wet", wet)])


def exact_joint(p_rain=P_RAIN):
    joint = {}
    for r in (False, True):
        for s in (False, True):
            pr = p_rain if r else 1 - p_rain
            ps = P_SPRINKLER[r] if s else 1 - P_SPRINKLER[r]
            for w in (False, True):
                joint[r, s, w] = pr * ps * (P_WET[r, s] if w else 1 - P_WET[r, s])
    return joint


def test_joint_distribution_matches_the_exact_one():
    n = 400_000
    people = garden().sample(n, seed=11)
    for (r, s, w), p in exact_joint().items():
        observed = np.mean((people["rain"] == r) & (people["sprinkler"] == s)
                           & (people["wet"] == w))
        se = np.sqrt(p * (1 - p) / n)
        assert abs(observed - p) < 4 * se, (r, s, w, observed, p)


def test_do_gives_the_interventional_distribution():
    n = 400_000
    wet_if_sprinkled = garden().do(sprinkler=True).sample(n, seed=3)["wet"].mean()
    exact = P_RAIN * P_WET[True, True] + (1 - P_RAIN) * P_WET[False, True]
    assert abs(wet_if_sprinkled - exact) < 4 * np.sqrt(exact * (1 - exact) / n)


def test_same_seed_identical_and_different_seeds_differ():
    a, b = garden().sample(1000, seed=5), garden().sample(1000, seed=5)
    assert all(np.array_equal(a[c], b[c]) for c in a)
    assert not np.array_equal(a["wet"], garden().sample(1000, seed=6)["wet"])


def test_do_changes_descendants_only_and_keeps_the_noise():
    natural = garden().sample(5000, seed=2)
    forced = garden().do(sprinkler=True).sample(5000, seed=2)
    assert np.array_equal(natural["rain"], forced["rain"])
    assert forced["sprinkler"].all()
    assert not np.array_equal(natural["wet"], forced["wet"])
    # same noise: wherever the sprinkler was already on, wet is unchanged
    on = natural["sprinkler"].to_numpy()
    assert np.array_equal(natural["wet"][on], forced["wet"][on])
    assert garden().descendants(["sprinkler"]) == {"wet"}


def test_do_with_a_function_of_the_natural_value_and_reuse():
    model = Model([Node("x", lambda rng, n: rng.normal(size=n)), Node("y", lambda x: 2 * x)])
    natural = model.evaluate(100, seed=1)
    shifted = model.do(x=lambda value: value + 1)
    assert np.allclose(shifted.evaluate(100, seed=1)["y"], natural["y"] + 2)
    reused = shifted.evaluate(100, seed=1, reuse=natural)
    assert np.array_equal(reused["y"], shifted.evaluate(100, seed=1)["y"])


def _counting_chain(calls):
    """a -> b -> c -> d, each node counting its calls; d also reads a."""
    def node(name, func):
        def counted(**kwargs):
            calls[name] = calls.get(name, 0) + 1
            return func(**kwargs)
        counted.__signature__ = __import__("inspect").signature(func)
        return Node(name, counted)
    return Model([node("a", lambda rng, n: rng.normal(size=n)),
                  node("b", lambda rng, a: a + rng.normal(size=len(a))),
                  node("c", lambda b: 2 * b),
                  node("d", lambda c, a: c + a)])


def test_reused_columns_spare_their_ancestors_and_change_nothing():
    calls = {}
    model = _counting_chain(calls)
    full = model.evaluate(50, seed=3)
    calls.clear()
    # c given: d needs only c and a, so b is never evaluated
    again = model.evaluate(50, seed=3, reuse={"c": full["c"], "a": full["a"]}, keep=["d"])
    assert calls == {"d": 1}
    assert np.array_equal(again["d"], full["d"])
    # under do(c = natural + 1), c is recomputed from the reused b (an intervened node
    # always is: callers mark nodes whose parameters changed with an identity
    # intervention), and b's ancestor a is copied, not drawn again
    calls.clear()
    shifted = model.do(c=lambda value: value + 1)
    reuse = {"a": full["a"], "b": full["b"], "c": full["c"]}
    reused = shifted.evaluate(50, seed=3, reuse=reuse, keep=["d"])
    assert calls == {"c": 1, "d": 1}
    assert np.array_equal(reused["d"], shifted.evaluate(50, seed=3, keep=["d"])["d"])
    assert np.allclose(reused["d"], full["d"] + 1)


def test_do_with_an_array_and_the_original_model_untouched():
    model = garden()
    values = np.arange(10) % 2 == 0
    assert np.array_equal(model.do(rain=values).sample(10, seed=1)["rain"], values)
    assert model.interventions == {}


def test_chunked_and_unchunked_agree_within_monte_carlo_error():
    n = 300_000
    whole = garden().sample(n, seed=9)["wet"].mean()
    chunks = [c["wet"].to_numpy() for c in garden().iter_chunks(n, seed=9, chunk_size=70_000)]
    chunked = np.concatenate(chunks).mean()
    p = sum(v for (r, s, w), v in exact_joint().items() if w)
    assert abs(whole - chunked) < 4 * np.sqrt(2 * p * (1 - p) / n)
    assert whole != chunked  # different streams, not a copy
    again = np.concatenate([c["wet"].to_numpy() for c in
                            garden().iter_chunks(n, seed=9, chunk_size=70_000)])
    assert np.array_equal(again, np.concatenate(chunks))
    assert [len(c) for c in chunks] == [70_000] * 4 + [20_000]


def test_add_node_extends_and_keeps_existing_columns():
    base = garden()
    snails = base.add_node("snails", lambda rng, n, wet: rng.poisson(np.where(wet, 3.0, 0.5)))
    a, b = base.sample(2000, seed=4), snails.sample(2000, seed=4)
    assert all(np.array_equal(a[c], b[c]) for c in a)
    assert b.loc[b["wet"], "snails"].mean() > b.loc[~b["wet"], "snails"].mean()
    assert "snails" not in base.nodes


def test_cycle_is_an_error_naming_the_nodes():
    with pytest.raises(ModelError, match=r"cycle.*a -> b -> a|cycle.*b -> a -> b"):
        Model([Node("a", lambda b: b), Node("b", lambda a: a)])


def test_missing_parent_is_an_error_naming_it():
    with pytest.raises(ModelError, match="'sprinkler' needs parent 'rian'.*did you mean 'rain'"):
        Model([Node("rain", rain), Node("sprinkler", lambda rng, n, rian: rian)])


def test_bad_node_output_and_bad_sizes_are_errors():
    model = Model([Node("x", lambda n: np.zeros(n + 1))])
    with pytest.raises(ModelError, match="'x' returned shape"):
        model.sample(5, seed=1)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ParameterError, match="n = "):
            garden().sample(bad, seed=1)
    with pytest.raises(ParameterError, match="seed"):
        garden().sample(5, seed=-1)
    with pytest.raises(ModelError, match="unknown node 'rainn'.*'rain'"):
        garden().do(rainn=True)


# ------------------------------------------------- out= buffers (issue 11)
def _chain(with_out):
    """a -> b -> c -> d, plus e reading a; b, c and d are freed as soon as d and e
    are computed. With ``with_out`` the nodes write into engine buffers; d returns a
    view of its own buffer and e a fresh array."""
    def a(rng, n):
        return rng.standard_normal(n)

    def a_out(rng, out):
        return rng.standard_normal(out=out)

    def b(a):
        return np.exp(a) + 1.0

    def b_out(a, out):
        np.exp(a, out=out)
        out += 1.0
        return out

    def c(rng, n, b):
        return rng.random(n) * b

    def c_out(rng, b, out):
        rng.random(out=out)
        out *= b
        return out

    def d(c):
        return c - 1.0

    def d_out(c, out):
        np.subtract(c, 1.0, out=out)
        return out[:]

    def e(a, c):
        return a * c

    def e_out(a, c, out):
        return a * c

    plain, tuned = (a, b, c, d, e), (a_out, b_out, c_out, d_out, e_out)
    funcs = tuned if with_out else plain
    return Model(Node(name, f) for name, f in zip("abcde", funcs, strict=True))


def test_out_buffers_give_the_same_numbers_and_are_recycled_safely():
    plain, tuned = _chain(False), _chain(True)
    for keep in (None, ["d", "e"], ["e"], ["a", "d"]):
        expected = plain.evaluate(2_000, 5, keep=keep)
        got = tuned.evaluate(2_000, 5, keep=keep)
        assert list(got) == list(expected)
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    # every returned column is its own memory, not a recycled buffer of another
    got = tuned.evaluate(2_000, 5, keep=["a", "d", "e"])
    assert not np.shares_memory(got["a"], got["d"]) and not np.shares_memory(got["d"], got["e"])


def test_out_buffers_with_interventions_and_chunks():
    plain, tuned = _chain(False), _chain(True)
    for model_a, model_b in ((plain.do(b=lambda v: v * 2), tuned.do(b=lambda v: v * 2)),
                             (plain.do(c=3.0), tuned.do(c=3.0))):
        for chunk in (0, 3):
            expected = model_a.evaluate(500, 8, chunk, keep=["d", "e"])
            got = model_b.evaluate(500, 8, chunk, keep=["d", "e"])
            for name in expected:
                np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_buffers_recycle_only_engine_arrays():
    """A buffer comes back once its column is freed and no live column views it."""
    from simlib.scm import _Buffers

    pool = _Buffers(4)
    first = pool.take()
    pool.handed_out(first, first)
    view = first[1:]
    pool.release(first, {"view": view})
    assert pool.free == []                      # still seen through a live view
    second = pool.take()
    pool.handed_out(second, second)
    pool.release(second, {})
    assert pool.take() is second                # recycled
    stranger = np.zeros(4)
    pool.release(stranger, {})
    assert pool.free == []                      # never an array the engine did not make


# ------------------------------------------------------------ evaluate_rows
def chain() -> Model:
    """level (random) -> doubled (no draws) -> shown (no draws; n only); noise (random)."""
    return Model([Node("level", lambda rng, n: rng.normal(50.0, 10.0, n)),
                  Node("noise", lambda rng, n: rng.normal(size=n)),
                  Node("doubled", lambda level: 2.0 * level),
                  Node("shown", lambda n, doubled, noise: doubled + noise + np.zeros(n))])


def test_evaluate_rows_gives_each_person_their_whole_population_values():
    model, n = chain(), 1_000
    everyone = model.evaluate(n, 5)
    rows = np.array([3, 17, 400, 999])
    natural = {"level": everyone["level"], "noise": everyone["noise"]}
    part = model.evaluate_rows(rows, 5, natural, keep=("shown",))
    assert np.array_equal(part["shown"], everyone["shown"][rows])
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    assert np.array_equal(model.evaluate_rows(mask, 5, natural, ("shown",))["shown"],
                          everyone["shown"][rows])
    # a function of the natural value of a random node, applied person by person
    raised = model.do(level=lambda value: value + 25.0)
    assert np.array_equal(raised.evaluate_rows(rows, 5, natural, ("shown",))["shown"],
                          raised.evaluate(n, 5)["shown"][rows])


def test_evaluate_rows_refuses_nodes_that_draw_and_array_interventions():
    model = chain()
    everyone = model.evaluate(100, 5)
    with pytest.raises(ModelError, match="'noise' draws random numbers"):
        model.evaluate_rows([1, 2], 5, {"level": everyone["level"]}, ("shown",))
    with pytest.raises(ModelError, match="'level' draws random numbers"):
        model.evaluate_rows([1, 2], 5, {"noise": everyone["noise"]}, ("shown",))
    with pytest.raises(ModelError, match="intervention on 'level' is an array"):
        model.do(level=np.ones(100)).evaluate_rows([1, 2], 5, {"noise": everyone["noise"]},
                                                    ("shown",))
    assert Node("x", lambda rng, n: rng.random(n)).draws
    assert not Node("y", lambda level: level).draws
    assert not Node("z", lambda rng, n: np.zeros(n), draws=False).draws


def _measured(rng, true_level):
    """A blood draw: two arrays of one standard normal per person (row by row)."""
    n = len(true_level)
    return (true_level + 5.0 * rng.standard_normal(n)) * np.exp(0.1 * rng.standard_normal(n))


def test_a_node_that_draws_row_by_row_is_computed_for_some_rows_with_their_own_numbers():
    model = Model([Node("true_level", lambda rng, n: rng.normal(50.0, 10.0, n)),
                   Node("measured", _measured, row_draws=True)])
    n = 2_000
    everyone = model.evaluate(n, 9)
    rows = np.array([1999, 4, 4, 700, 0])  # unsorted, repeated (a control in two sets)
    part = model.evaluate_rows(rows, 9, {"true_level": everyone["true_level"]}, ("measured",),
                               chunk_size=n)
    np.testing.assert_array_equal(part["measured"], everyone["measured"][rows])
    # the same person gets the same value whoever else is evaluated with them
    alone = model.evaluate_rows([700], 9, {"true_level": everyone["true_level"]},
                                ("measured",), chunk_size=n)
    assert alone["measured"][0] == part["measured"][3]
    # without the chunk's size the rows' numbers cannot be found: refused as before
    with pytest.raises(ModelError, match="'measured' draws random numbers"):
        model.evaluate_rows(rows, 9, {"true_level": everyone["true_level"]}, ("measured",))


@pytest.mark.parametrize(("func", "words"), [
    (lambda rng, true_level: true_level + rng.normal(0, 1, len(true_level)), "rng.normal"),
    (lambda rng, true_level: true_level + rng.standard_normal(3)[0], r"standard_normal\(3\)"),
])
def test_a_row_by_row_node_that_draws_otherwise_is_refused(func, words):
    model = Model([Node("true_level", lambda rng, n: rng.normal(50.0, 10.0, n)),
                   Node("measured", func, row_draws=True)])
    level = model.evaluate(100, 1)["true_level"]
    with pytest.raises(ModelError, match=words):
        model.evaluate_rows([1, 2], 1, {"true_level": level}, ("measured",), chunk_size=100)


def test_the_worlds_survey_draw_for_sampled_people_is_the_whole_populations():
    from simlib import build_world, load_scenario
    from simlib.designs.common import LEVEL_COLUMNS
    world = build_world(load_scenario("causal"))
    everyone = world.evaluate(20_000, 4, keep=(*LEVEL_COLUMNS, "age", "vitd_survey_nmol"))
    rows = np.sort(np.random.default_rng(2).choice(20_000, 300, replace=False))
    levels = {name: everyone[name] for name in (*LEVEL_COLUMNS, "age")}  # not the draw itself
    part = world.evaluate_rows(rows, 4, levels, ("vitd_survey_nmol",), chunk_size=20_000)
    np.testing.assert_array_equal(part["vitd_survey_nmol"], everyone["vitd_survey_nmol"][rows])


def test_the_survey_draw_of_a_subset_of_people_is_refused_not_guessed():
    """Row-by-row draws need the whole simulated population in its order."""
    from simlib import load_scenario
    from simlib.designs.base import cached_world, simulate_people
    from simlib.designs.common import LEVEL_COLUMNS, survey_draw
    scenario = load_scenario("null")
    world, people = simulate_people(scenario, cached_world(scenario), 5_000, 3,
                                    (*LEVEL_COLUMNS, "age"))
    whole = survey_draw(world, people, np.arange(10))
    subset = people.iloc[100:].reset_index(drop=True)
    subset.attrs.update(people.attrs)
    with pytest.raises(ModelError, match="not a whole simulated population"):
        survey_draw(world, subset, np.arange(10))
    assert np.isfinite(whole).all()
