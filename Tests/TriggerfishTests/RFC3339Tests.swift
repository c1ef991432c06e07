import Foundation
import Testing

@testable import Triggerfish

/// The one RFC 3339 reader: alerts' times, pods' start times.
@Suite struct RFC3339Tests {
    @Test func readsTimestampsWithOffsetsAndFractions() {
        let mayFirst = Date(timeIntervalSince1970: 1_714_566_600)
        #expect(RFC3339.date("2024-05-01T12:30:00Z") == mayFirst)
        #expect(RFC3339.date("2024-05-01 12:30:00z") == mayFirst)
        #expect(RFC3339.date("2024-05-01T14:30:00+02:00") == mayFirst)
        #expect(RFC3339.date("2024-05-01T12:30:00.250Z") == mayFirst.addingTimeInterval(0.25))
        #expect(RFC3339.date("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        #expect(RFC3339.date("0001-01-01T00:00:00Z") != nil)
        for bad in ["", "2024-05-01", "2024-02-30T00:00:00Z", "2024-05-01T12:30:00", "2024-05-01T12:30:00+0200", "2024-05-01T12:30:00.Z"] {
            #expect(RFC3339.date(bad) == nil, "\(bad)")
        }
    }

    @Test func alertsCountTimesAtOrBeforeTheEpochAsNone() {
        #expect(PrometheusAlert.date(fromRFC3339: "0001-01-01T00:00:00Z") == nil)
        #expect(PrometheusAlert.date(fromRFC3339: "1970-01-01T00:00:00Z") == nil)
        #expect(PrometheusAlert.date(fromRFC3339: "1970-01-01T00:00:01Z") == Date(timeIntervalSince1970: 1))
    }

    @Test func formatsInUTCWithFractionsOnlyWhenThereAreAny() {
        let date = Date(timeIntervalSince1970: 1_714_566_600)
        #expect(RFC3339.format(date) == "2024-05-01T12:30:00Z")
        #expect(RFC3339.date(RFC3339.format(date.addingTimeInterval(0.5))) == date.addingTimeInterval(0.5))
    }
}
