"""Places behaves as the tuple of Locations it stands for (issue 16).

The kubelet readers used to keep one Location per character; Places keeps runs.
Whatever is built from single Locations, runs and slices of other Places must
index, slice, iterate, compare and count exactly like that tuple -- and keep far
fewer objects when the characters follow each other.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pauselint.model import Location
from pauselint.sources.places import Places, PlacesBuilder

locations = st.builds(Location, st.sampled_from(["a", "b", None]),
                      st.sampled_from([1, 2, None]), st.integers(1, 6) | st.none())
runs = st.tuples(st.sampled_from(["a", "b"]), st.integers(1, 3), st.integers(1, 5),
                 st.integers(0, 5))
steps = st.lists(st.one_of(locations.map(lambda x: ("one", x)), runs.map(lambda r: ("run", r)),
                           st.tuples(st.integers(0, 12), st.integers(0, 12)).map(
                               lambda span: ("slice", span))), max_size=12)


def built(ops) -> tuple[Places, list[Location]]:
    """The same steps applied to a builder and to a plain list."""
    builder, expected = PlacesBuilder(), []
    for kind, value in ops:
        if kind == "one":
            builder.append(value)
            expected.append(value)
        elif kind == "run":
            path, line, column, count = value
            builder.add_run(path, line, column, count)
            expected += [Location(path, line, column + i) for i in range(count)]
        else:  # a slice of what was built so far, appended again
            so_far = builder.build()
            start, stop = value
            builder.extend_range(so_far, start, stop)
            expected += expected[start:stop]
    return builder.build(), expected


@given(steps, st.integers(-15, 15), st.integers(-15, 15))
def test_places_are_the_tuple_they_stand_for(ops, start: int, stop: int) -> None:
    places, expected = built(ops)
    assert len(places) == len(expected)
    assert list(places) == expected
    assert places == tuple(expected) and tuple(expected) == places
    assert list(places[start:stop]) == expected[start:stop]
    assert places[start:stop] == Places.of(expected[start:stop])
    assert list(places[::2]) == expected[::2]
    for index in range(-len(expected), len(expected)):
        assert places[index] == expected[index]


def test_a_line_of_text_is_one_run() -> None:
    builder = PlacesBuilder()
    for column in range(1, 201):
        builder.append(Location("env", 3, column))
    places = builder.build()
    assert len(list(places.runs())) == 1
    assert places[150] == Location("env", 3, 151)
    assert places[10:20] == Places.run("env", 3, 11, 10)
    assert Places.run("env", 1, 1, 0) == () and len(Places()) == 0
