/**
 * `{{date 'FORMAT' tz='ZONE'}}` and `{{commit_date ...}}`: a time rendered with a moment.js
 * format in an IANA time zone (UTC by default), as docker/metadata-action renders it with
 * moment-timezone. Day.js (2 kB, moment's format tokens) does the formatting, with its plugins
 * for UTC, time zones (through Intl) and the advanced tokens (Do, Q, k, X, x, z, w).
 */
import dayjs from 'dayjs'
import advancedFormat from 'dayjs/plugin/advancedFormat.js'
import timezone from 'dayjs/plugin/timezone.js'
import utc from 'dayjs/plugin/utc.js'
import weekOfYear from 'dayjs/plugin/weekOfYear.js'
import type { Helper } from './template.js'

dayjs.extend(utc)
dayjs.extend(timezone)
dayjs.extend(weekOfYear)
dayjs.extend(advancedFormat)

/**
 * `format` as moment takes it: a string, or nothing for moment's default (ISO 8601 to the second,
 * `Z` for a zero offset, `+09:00` otherwise), which is what an unquoted format such as
 * `{{date YYYYMMDD}}` gives (Handlebars reads it as an unknown name).
 */
export function formatDate(when: Date, format: unknown, zone: string): string {
  let local: dayjs.Dayjs
  try {
    local = dayjs(when).tz(zone)
  } catch {
    throw new Error(`tz='${zone}' is not a time zone: use an IANA name such as UTC, Europe/Paris or Asia/Tokyo`)
  }
  if (typeof format !== 'string') return local.format(local.utcOffset() === 0 ? 'YYYY-MM-DDTHH:mm:ss[Z]' : 'YYYY-MM-DDTHH:mm:ssZ')
  return local.format(format)
}

/** The `date`/`commit_date` helper for `when`: one optional format, and `tz=` as its only attribute. */
export function dateHelper(name: string, when: Date): Helper {
  return (args, hash) => {
    let zone = 'UTC'
    for (const [key, value] of Object.entries(hash)) {
      if (key !== 'tz') throw new Error(`{{${name}}} has the attribute ${key}=: only tz= is known (e.g. tz='Asia/Tokyo')`)
      zone = String(value)
    }
    return formatDate(when, args[0], zone)
  }
}
