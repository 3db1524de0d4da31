import Telemetry
import Testing

@Suite struct CivilDateTests {
    @Test func knownDates() {
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2026, month: 11, day: 29).daysSinceEpoch == 1_795_921_200_000 / 86_400_000)
        #expect(CivilDate(daysSinceEpoch: -1) == CivilDate(year: 1969, month: 12, day: 31))
        #expect(CivilDate(year: 2000, month: 2, day: 29).isLeapYear)
        #expect(!CivilDate(year: 1900, month: 3, day: 1).isLeapYear)
    }

    @Test func roundTripsEveryDayOfFourCenturiesAndBeyondTheEpoch() {
        for days in stride(from: Int64(-200_000), through: 200_000, by: 7) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }
}
