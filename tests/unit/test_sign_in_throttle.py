"""The sign-in throttle: per account and address, per address, per account under attack."""

from __future__ import annotations

from seatplan.web.throttle import SignInThrottle

ATTACKER, ADMIN = "203.0.113.9", "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock, **limits: int) -> SignInThrottle:
    return SignInThrottle(base=1.0, cap=60.0, window=900.0, clock=clock, **limits)


def _fail(throttle: SignInThrottle, times: int, username: str, address: str) -> list[int]:
    """What `attempt` answers each time, every attempt that is let through failing."""
    return [throttle.attempt(username, address) for _ in range(times)]


def test_an_account_and_address_get_free_failures_then_waits_that_double_to_a_cap():
    clock = Clock()
    throttle = _throttle(clock)
    assert _fail(throttle, 5, "admin", ATTACKER) == [0] * 5
    waits = []
    for _ in range(8):
        wait = throttle.attempt("admin", ATTACKER)
        waits.append(wait)
        assert throttle.attempt("Admin ", ATTACKER) == wait  # the same account; nothing counted
        clock.now += wait
        assert throttle.attempt("admin", ATTACKER) == 0  # waited: one more try, failed
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    clock.now += 900
    assert _fail(throttle, 5, "admin", ATTACKER) == [0] * 5  # forgotten


def test_another_address_is_never_held_up_by_one_attacker():
    clock = Clock()
    throttle = _throttle(clock)
    _fail(throttle, 5, "admin", ATTACKER)
    assert throttle.attempt("admin", ATTACKER) > 0
    assert throttle.attempt("admin", ADMIN) == 0
    throttle.succeeded("admin", ADMIN)
    assert throttle.attempt("admin", ATTACKER) > 0


def test_a_right_password_forgets_the_failures_of_its_account_from_its_address():
    clock = Clock()
    throttle = _throttle(clock)
    _fail(throttle, 4, "admin", ADMIN)
    throttle.attempt("admin", ADMIN)
    throttle.succeeded("admin", ADMIN)
    assert _fail(throttle, 5, "admin", ADMIN) == [0] * 5


def test_parallel_guesses_count_before_their_passwords_are_checked():
    throttle = _throttle(Clock())
    # Five attempts let through and not yet answered: the sixth must wait.
    assert _fail(throttle, 5, "admin", ATTACKER) == [0] * 5
    assert throttle.attempt("admin", ATTACKER) == 1


def test_one_address_guessing_many_accounts_waits():
    throttle = _throttle(Clock(), address_free=20)
    for index in range(20):
        assert throttle.attempt(f"user{index}", ATTACKER) == 0
    assert throttle.attempt("someone-else", ATTACKER) == 1
    assert throttle.attempt("someone-else", ADMIN) == 0


def test_an_account_attacked_from_many_addresses_stays_open_to_a_new_address():
    throttle = _throttle(Clock(), account_free=50)
    for index in range(50):
        assert throttle.attempt("admin", f"10.0.0.{index}") == 0
    # Past the account's limit, an address that failed for it gets no more free tries…
    assert throttle.attempt("admin", "10.0.0.7") == 2
    # … while one that never failed for it goes straight ahead.
    assert throttle.attempt("admin", ADMIN) == 0
    assert throttle.attempt("somebody", "10.0.0.7") == 0


def test_forgotten_entries_are_swept_out():
    clock = Clock()
    throttle = _throttle(clock)
    for index in range(4000):
        throttle.attempt(f"user{index}", f"10.0.{index // 250}.{index % 250}")
    clock.now += 901
    throttle.attempt("admin", ADMIN)
    assert len(throttle._failures) == 3


def test_an_ipv6_client_cannot_rotate_through_its_64_for_free_failures():
    clock = Clock()
    throttle = _throttle(clock)
    network = "2001:db8:1:2::"
    answers = [throttle.attempt("admin", f"{network}{n:x}") for n in range(1, 7)]
    assert answers[:5] == [0] * 5
    assert answers[5] > 0  # the sixth address of the same /64 waits like the same address
    assert throttle.attempt("admin", "2001:db8:1:3::1") == 0  # another /64 is another client
    assert throttle.attempt("admin", ADMIN) == 0


def test_an_attempt_that_could_not_be_checked_counts_for_nothing():
    """The database failed while checking: neither a free failure used nor earlier ones lost."""
    clock = Clock()
    throttle = _throttle(clock)
    assert _fail(throttle, 4, "admin", ATTACKER) == [0] * 4
    for _ in range(3):  # three attempts the database could not check
        assert throttle.attempt("admin", ATTACKER) == 0
        throttle.withdrawn("admin", ATTACKER)
    assert throttle.attempt("admin", ATTACKER) == 0  # the fifth real failure, still free
    assert throttle.attempt("admin", ATTACKER) > 0  # the sixth waits: the four were kept
