# Perisai — English catalog. Messages are Telegram HTML: only <b>, <i>, <code>, <a> etc.
# Keep keys and placeholders identical to the Indonesian catalog (a test checks).

## Commands (the menu, per role)
cmd-start = Register, or see your status
cmd-help = What this bot can do for you
cmd-privacy = What happens to your data
cmd-cancel = Stop what you are filling in
cmd-profile = Your data and sites
cmd-language = Change language
cmd-leave = Leave Perisai and erase your data
cmd-pending = Registrations waiting for vetting
cmd-invite = Create an invite code
cmd-suspend = Suspend a member
cmd-reinstate = Reinstate a suspended member

## Languages
language-id = Bahasa Indonesia
language-en = English
language-ask = Choose your language:
language-set = Language set to English.

## Registration
reg-welcome = Welcome to <b>Perisai</b>, the threat advisory channel for the security of vulnerable sites. Registration takes a few minutes; you can stop at any step with /cancel.
reg-welcome-invite = Welcome to <b>Perisai</b>. Your invite code is valid: once you finish registering you can use the bot straight away.
reg-resume = Let's continue your registration where you left off.
invite-invalid = That invite code is not valid, used up or expired. You can still register; a coordinator will check your registration.
reg-ask-language = Pilih bahasa / Choose your language:
reg-ask-consent =
    <b>Your personal data</b>
    To verify you and send you security advisories, Perisai stores your name, organisation, phone number, Telegram account and the sites you are responsible for. Only the coordinators of the programme see them. They are used for nothing else and are not given to third parties. You can see your data with /profile and erase it at any time with /leave.
    Do you agree? (consent text version { $version })
reg-option-consent-agree = I agree
reg-option-consent-decline = I do not agree
reg-declined = Understood. Nothing was stored. Without consent we cannot register you; send /start if you change your mind.
reg-ask-full-name = What is your full name?
reg-ask-organisation = Which organisation or company do you work for?
reg-ask-member-type = What is your role?
reg-option-member-type-venue-operator = Venue operator (security manager)
reg-option-member-type-infrastructure-owner = Infrastructure owner or operator
reg-ask-site-name = Site { $number }: what is the name of the site (venue or installation) you are responsible for?
reg-ask-site-sector = Which sector is <b>{ $site }</b> in?
reg-ask-site-province = In which province is <b>{ $site }</b>?
reg-ask-more-sites = You have entered { $count ->
        [one] one site
       *[other] { $count } sites
    } (at most { $max }). Add another site?
reg-option-more-sites-add = Add another site
reg-option-more-sites-done = Continue
reg-ask-phone = Please share your phone number with the button below, so the coordinators can reach you.
btn-share-phone = 📱 Share my phone number
reg-phone-received = Thank you, phone number received.
reg-ask-confirm =
    Please check your registration:

    { $summary }

    Is everything correct?
reg-option-confirm-confirm = ✅ Submit
reg-option-confirm-restart = ✏️ Start over
reg-option-confirm-cancel = ✖️ Cancel
reg-cancelled = Registration cancelled; nothing was stored. Send /start to begin again.
reg-done-pending = Thank you, your registration has been received. A coordinator will check it; you will get a message here when it is approved.
reg-done-pending-invite-lapsed = Thank you, your registration has been received. Your invite code was used up or expired while you registered, so a coordinator will check your registration; you will get a message here when it is approved.
reg-done-active = Thank you, your registration is complete and active. You will receive security advisories for your sites here. See /help for what you can do.

## Flows
flow-cancelled = Cancelled. Nothing of what you were filling in was kept.
flow-nothing-to-cancel = There is nothing to cancel.
button-stale = This button is out of date.
hint-nothing-pending = I am not waiting for an answer from you. See /help for what you can do.
hint-unknown-command = I do not know that command. See /help.

## Input problems
error-text-length = Please write between { $min } and { $max } characters.
error-text-invalid = That text contains characters that cannot be used. Please type it again.
error-text-letters = Please use letters, not only numbers or symbols.
error-use-buttons = Please choose one of the buttons.
error-type-answer = Please type your answer as a message.
error-phone-use-button = Please use the “Share my phone number” button below; typed numbers cannot be verified.
error-phone-not-own = Please share your own phone number with the button below, not someone else's contact.
error-phone-invalid = That phone number does not look valid. Please share it with the button below.
error-site-duplicate = You already have a site with that name. Please give another name.
error-too-many-sites = You already have the maximum of { $max } sites.
error-site-not-found = That site is not in your profile.
error-last-site = You cannot remove your only site. Add the new one first.

## Status
status-unregistered = You are not registered yet. Send /start to register.
status-pending = Your registration is waiting for a coordinator's check. You will get a message here when it is approved. Thank you for your patience.
status-rejected = Your registration was not approved. If you think this is a mistake, please contact the programme coordinator of your region.
status-suspended = Your membership is suspended for now. Please contact the programme coordinator of your region.
status-left = You have left Perisai. Send /start to register again.
status-active = You are registered and active as { $role }. See /help for what you can do.
role-admin = administrator
role-coordinator = coordinator
role-operator = member

## Members
member-type-venue_operator = Venue operator
member-type-infrastructure_owner = Infrastructure owner
member-type-none = —
member-card =
    <b>{ $name }</b>
    Organisation: { $organisation }
    Type: { $type }
    Phone: { $phone }
    Telegram: { $username }
    Sites:
site-line = • { $name } — { $sector }, { $province }

## Profile
profile =
    <b>Your profile</b> (member #{ $number }, { $role }, since { $since })

    { $card }
btn-add-site = ➕ Add a site
btn-remove-site = ➖ Remove { $name }
btn-edit-name = ✏️ Change my name
btn-edit-organisation = ✏️ Change my organisation
profile-ask-first = Before you start: the people who receive your cards and notices should see who you are.
profile-saved = Saved.
site-added = The site has been added. See /profile.
site-removed = { $name } removed.
leave-confirm = Leaving Perisai stops all advisories and erases your name, phone number and Telegram username. Only an anonymous record of past actions is kept. This cannot be undone. Leave?
btn-leave-confirm = Yes, leave and erase my data
leave-done = You have left Perisai and your personal data has been erased. Thank you for your service. Send /start if you ever want to register again.
help-header = <b>What you can do:</b>
help-newcomer =
    <b>Perisai</b> relays vetted security advisories to the people who protect crowded places and critical infrastructure in Indonesia: security managers of shopping centres, stadiums, hotels, places of worship, transport hubs, tourist sites and utilities. It is run by { $operator }.

    <b>What you get:</b> advisories for your sites, in your language; short check-ins on protective measures; a fast way to report suspicious activity to the coordinators responsible for your area.

    <b>How to join:</b> send /start and answer a few questions (your name, organisation, sites and phone number). A coordinator then checks that you are who you say (vetting) before you receive anything; with an invite code from a coordinator you are active at once.

    <b>Your data:</b> used only for this partnership, under Indonesia's personal data protection law. See /privacy.
help-contact = Questions or problems: { $contact }.
privacy =
    <b>Your data in Perisai</b> (run by { $operator }, under UU 27/2022 on personal data protection)

    <b>What is kept:</b> your name, organisation, phone number, Telegram account and username, your sites, your consent, and what you do here: advisories you received and acknowledged, check-in answers, reports you sent.
    <b>Why:</b> to send you the right advisories, to let the coordinators of your area vet you and reach you, and to follow up on what you report.
    <b>Who sees it:</b> the coordinators whose area covers your sites, and the national admins. Nobody else.
    <b>Your rights:</b> /profile shows what is kept about you and lets you correct it; /leave erases your name, phone number and username and stops everything.
    <b>Questions:</b> { $contact }.

## Vetting
vet-card =
    <b>New registration #{ $number }</b>
    { $card }
btn-approve = ✅ Approve
btn-reject = ✖️ Reject
vet-none-pending = No registration is waiting in your area.
vet-pending-header = { $total ->
        [one] One registration is waiting.
       *[other] { $total } registrations are waiting; the oldest { $shown } follow.
    }
vet-ask-reason = Why is registration #{ $number } ({ $name }) rejected? Type the reason (it is kept in the audit log, not shown to the applicant), or /cancel.
vet-decided-approved = ✅ Approved by { $by }.
vet-decided-rejected = ✖️ Rejected by { $by }.
vet-already-decided = This registration was already decided by { $by }.
vet-done-approved = Approved. The member has been told.
vet-done-rejected = Rejected. The applicant has been told.
vet-applicant-approved = ✅ Your Perisai registration has been approved. You will receive security advisories for your sites here. See /help for what you can do.
vet-applicant-rejected = Your Perisai registration was not approved. If you think this is a mistake, please contact the programme coordinator of your region.
error-reason-length = Please give a reason of 3 to { $max } characters.
error-registration-gone = That registration no longer exists.
error-already-decided = This registration has already been decided.

## Invites
invite-usage =
    Usage: <code>/invite uses=5 days=7 sector=mall province=JI org="Organisation name"</code>
    Every part is optional: one use and 7 days by default. A coordinator with a limited area must give a sector and province inside it.
invite-created =
    <b>Invite code created</b>
    Code: <code>{ $code }</code>
    Link: { $link }
    Uses: { $uses }, valid until { $expires }
    Organisation: { $organisation }
    Sector: { $sector }
    Province: { $province }
    Share the link only with the person(s) it is meant for: whoever uses it is registered without vetting. This code is shown only once.
error-invite-uses = The number of uses must be between 1 and { $max }.
error-invite-days = The validity must be between 1 and { $max } days.
error-invite-scope = You can only create invites for a sector and province inside your area.

## Suspension
suspend-usage = Usage: <code>/suspend #number reason</code> (or @username instead of #number).
reinstate-usage = Usage: <code>/reinstate #number</code> (or @username).
suspend-done = Member #{ $number } ({ $name }) is suspended.
reinstate-done = Member #{ $number } ({ $name }) is active again.
reinstate-notice = Your Perisai membership is active again. See /help for what you can do.
error-member-ref = “{ $ref }” is not a member number (#12) or a @username.
error-member-ambiguous = { $ref } is the username of several members: { $numbers }. Use the member number, e.g. /suspend #12 reason.
error-member-not-found = No member found for “{ $ref }”.
error-not-active = Member #{ $number } is not active.
error-not-suspended = Member #{ $number } is not suspended.

## Authorisation and errors
error-not-allowed = You are not allowed to do that.
error-not-on-self = You cannot do that to yourself.
error-out-of-scope = That member is outside your area.
error-already-registered = You are already registered. See /profile.
error-unknown-province = Unknown province code “{ $code }”.
error-unknown-sector = Unknown sector “{ $code }”.
error-internal = Sorry, something went wrong and your last action was not saved. Please try again in a moment.
flood-throttled = You are sending messages faster than I can take them, so I am ignoring them for now. Wait { $seconds } seconds, then send again what you need.

## Sectors
sector-mall = Shopping centres
sector-stadium = Stadiums and sports venues
sector-hotel = Hotels
sector-worship = Places of worship
sector-transport = Transport hubs
sector-tourism = Tourist sites
sector-nightlife = Entertainment and nightlife
sector-education = Education
sector-healthcare = Healthcare
sector-energy = Energy
sector-water = Water
sector-telecom = Telecommunications
sector-finance = Finance
sector-government = Government facilities
sector-other = Other

## Provinces
province-AC = Aceh
province-SU = North Sumatra
province-SB = West Sumatra
province-RI = Riau
province-KR = Riau Islands
province-JA = Jambi
province-SS = South Sumatra
province-BB = Bangka Belitung Islands
province-BE = Bengkulu
province-LA = Lampung
province-JK = Jakarta
province-JB = West Java
province-BT = Banten
province-JT = Central Java
province-YO = Yogyakarta
province-JI = East Java
province-BA = Bali
province-NB = West Nusa Tenggara
province-NT = East Nusa Tenggara
province-KB = West Kalimantan
province-KT = Central Kalimantan
province-KS = South Kalimantan
province-KI = East Kalimantan
province-KU = North Kalimantan
province-SA = North Sulawesi
province-GO = Gorontalo
province-ST = Central Sulawesi
province-SR = West Sulawesi
province-SN = South Sulawesi
province-SG = Southeast Sulawesi
province-MA = Maluku
province-MU = North Maluku
province-PA = Papua
province-PB = West Papua
province-PS = South Papua
province-PT = Central Papua
province-PE = Highland Papua
province-PD = Southwest Papua

## Advisories: commands
cmd-advisory = Write a security advisory
cmd-advisories = Advisories: recent, or those addressed to you

## Advisories: the message recipients read
adv-exercise-marker = 🟦🟦 <b>EXERCISE — EXERCISE — EXERCISE</b> 🟦🟦 This is a drill, not a real threat.
adv-emergency-marker = ⚠️ <b>EMERGENCY RELEASE</b> by one administrator, without the usual second approval.
adv-tlp-line = { $icon } <b>TLP:{ $tlp }</b> — { $meaning }
tlp-clear = may be shared freely.
tlp-green = may be shared within your organisation and the security community, not publicly.
tlp-amber = only for your organisation and those who need it to protect it. Do not forward.
tlp-amber-strict = only for your own organisation. Do not forward.
tlp-red = for you alone. Do not forward or tell anyone.
adv-heading =
    <b>{ $title }</b>
    Severity: { $severity } · Urgency: { $urgency } · Certainty: { $certainty }
severity-extreme = Extreme
severity-severe = Severe
severity-moderate = Moderate
severity-minor = Minor
urgency-immediate = Immediate
urgency-expected = Expected
urgency-future = Future
certainty-observed = Observed
certainty-likely = Likely
certainty-possible = Possible
certainty-unlikely = Unlikely
adv-actions =
    <b>Recommended actions</b>
    { $actions }
adv-footer = <i>Advisory #{ $number }, version { $version }. Valid until { $expires }.</i>
btn-acknowledge = ✅ Acknowledge
btn-acknowledged = ✅ Acknowledged { $time }
adv-acknowledged = Acknowledgement recorded. Thank you.
adv-cancelled-notice = ❌ <b>CANCELLED:</b> advisory #{ $number } “{ $title }” is withdrawn. Disregard it.
adv-cancelled-notice-maybe = ❌ <b>CANCELLED:</b> advisory #{ $number } “{ $title }” is withdrawn. If you received it, disregard it.

## Advisories: composing
adv-compose-intro = New advisory. Answer each question; /cancel stops, nothing is sent until a second coordinator approves.
adv-ask-title = Title (5 to 150 characters)?
adv-ask-body = The advisory text (at most { $max } characters)?
adv-ask-severity = Severity?
adv-ask-urgency = Urgency?
adv-ask-certainty = Certainty?
adv-ask-actions = Recommended actions for the sites (type them), or skip?
adv-ask-tlp = Handling label (TLP)? AMBER and RED cannot be forwarded.
adv-ask-sectors =
    Which sectors? Tap to choose, then Done (nothing chosen = all sectors).
    { $chosen }
adv-ask-provinces =
    Which provinces? Tap to choose, then Done (nothing chosen = all provinces).
    { $chosen }
adv-ask-members = TLP:RED goes to named members only. Type their member numbers, e.g. #12 #31.
adv-ask-expiry = Valid for how long?
adv-ask-ack = Must recipients acknowledge it?
adv-ask-mode = Real advisory or exercise?
adv-option-actions-skip = Skip
adv-option-expiry-6 = 6 hours
adv-option-expiry-24 = 24 hours
adv-option-expiry-72 = 3 days
adv-option-expiry-168 = 7 days
adv-option-ack-yes = Yes, acknowledgement required
adv-option-ack-no = No
adv-option-mode-actual = Actual
adv-option-mode-exercise = Exercise
adv-option-preview-submit = 📤 Submit for approval
adv-option-preview-emergency = ⚠️ Emergency release now
adv-option-preview-cancel = ✖️ Discard
btn-all = All
btn-done = Done ▶️
all-sectors = all sectors
all-provinces = all provinces
adv-audience = Audience: { $sectors } in { $provinces }.
adv-audience-named = Audience: named members { $members }.
adv-preview =
    ⬆️ This is exactly what recipients will see.
    { $audience }
    Recipients now: <b>{ $recipients }</b>.
adv-compose-cancelled = Advisory discarded; nothing was sent.
adv-submitted = Advisory #{ $number } submitted. { $reviewers ->
        [0] No other coordinator covers this audience yet: an administrator must approve it.
        [one] One coordinator has been asked to approve it.
       *[other] { $reviewers } coordinators have been asked to approve it.
    }
adv-released-emergency = Released by emergency procedure to { $recipients } recipients.
adv-review =
    <b>Advisory #{ $number } waits for your approval</b> (written by { $author }).
    { $audience }
    Approving releases it at once.
adv-ask-reject-reason = Why is advisory #{ $number } rejected? Type the reason for the author, or /cancel.
adv-approved = Approved and released to { $recipients } recipients.
adv-author-released = Your advisory #{ $number } was approved by { $by } and is going out to { $recipients } recipients.
adv-rejected = Advisory #{ $number } rejected; the author has been told.
adv-author-rejected = Your advisory #{ $number } was rejected: { $reason }

## Advisories: views
adv-none = No advisories yet.
adv-none-active = No active advisories are addressed to you.
adv-list-header = <b>Recent advisories</b> (tap a number for its status):
adv-list-line = #{ $number } [{ $state }] TLP:{ $tlp } — { $title }
adv-state-draft = draft
adv-state-submitted = waiting for approval
adv-state-released = released
adv-state-rejected = rejected
adv-state-cancelled = cancelled
adv-status =
    <b>Advisory #{ $number }</b> — { $title } [{ $state }]
    Recipients: { $total } · queued { $queued } · sent { $sent } · failed { $failed } · unreachable { $unreachable } · not sent (cancelled) { $cancelled }
    Acknowledged: { $acknowledged } ({ $rate })
    First delivery: { $first} · last delivery: { $last }
    Per province:
    { $provinces }
adv-status-province = { $province }: { $sent }/{ $total } sent, { $acknowledged } acknowledged
btn-cancel-advisory = ❌ Cancel this advisory
adv-cancel-confirm = Cancel advisory #{ $number }? Everyone who received it gets a cancellation notice. Tap again to confirm.
adv-cancelled = Advisory #{ $number } cancelled; { $notices } cancellation notices are going out.

## Advisories: refusals
error-advisory-members = Type between 1 and { $max } member numbers, e.g. #12 #31.
error-advisory-unknown-members = These are not active members: { $numbers }.
error-advisory-too-long = The finished message would be longer than Telegram allows (4096 characters). Please send a shorter text.
error-advisory-gone = That advisory no longer exists.
error-advisory-scope = That audience lies outside your area.
error-emergency-not-allowed = Emergency release is only for administrators, and only for Extreme and Immediate advisories.
error-advisory-own = You cannot approve your own advisory: a second coordinator must.
error-advisory-decided = This advisory has already been decided.
error-advisory-not-yours = That advisory was not addressed to you.
error-advisory-cancelled = That advisory has been cancelled.
error-advisory-not-cancellable = Only a submitted or released advisory can be cancelled.

## Advisories: reminders and escalation
adv-reminder = ⏰ Reminder: please acknowledge advisory #{ $number } “{ $title }”.
adv-escalation =
    ⚠️ <b>Advisory #{ $number }</b> “{ $title }”: { $count } recipients have not acknowledged after the last reminder.
    { $lines }
    { $more ->
        [0] {""}
       *[other] …and { $more } more.
    }
adv-escalation-province = <b>{ $province }</b> ({ $count }):
adv-escalation-person = • #{ $number } { $name } — { $organisation }
btn-export = ⬇️ CSV of recipients
btn-compliance-export = ⬇️ CSV of the check-ins
adv-export-caption = Advisory #{ $number }: delivery and acknowledgement of { $count } recipients. Personal data: keep it within the programme.
btn-update-advisory = ✏️ Update (new version)
adv-update-intro = New version of advisory #{ $number }. It goes to everyone who received it, as a reply to their copy, once a second coordinator approves. Tap “Keep” to leave a text as it was.
adv-option-title-keep = Keep the title
adv-option-body-keep = Keep the text
adv-option-actions-keep = Keep the actions
error-advisory-not-updatable = Only a released advisory can be updated.
error-advisory-not-latest = A newer version of this advisory exists: update that one.

## Check-ins on protective measures
cmd-checkin = Start an ad-hoc check-in
cmd-compliance = Check-in compliance in your area
cmd-schedules = Recurring check-ins
checkin-header =
    📋 <b>Check-in of protective measures</b>
    { $site } · { $sector } · { $province }
    Answer by: { $deadline }
checkin-item = { $mark } { $number }. { $text }{ $critical ->
        [yes] {" "}❗
       *[no] {""}
    }
checkin-item-note = {"    "}📝 { $note }
checkin-progress = Answered { $done } of { $total }. ❗ = critical measure.
checkin-ask = 👉 <b>{ $number }. { $item }</b> Is this in place?
checkin-ask-note-critical = ✍️ Item { $number } is critical: type a short note on what is missing and what you are doing about it. Your coordinators are told at once.
checkin-ask-note = ✍️ Type your note for item { $number }.
checkin-ready = All items answered. Check them, then tap Submit.
checkin-submitted = ✅ Submitted { $at }. Thank you.
checkin-submitted-late = ✅ Submitted { $at }, after the deadline.
btn-checkin-y = ✅ Yes
btn-checkin-n = ❌ No
btn-checkin-a = ➖ N/A
btn-checkin-back = ◀️ Back
btn-checkin-note = 📝 Note on { $number }
btn-checkin-submit = 📤 Submit
checkin-type-note = Type the note for item { $number } as a message.
checkin-thanks = Submitted. Thank you.
checkin-note-saved = Note saved.
checkin-reminder = ⏰ Reminder: the check-in for <b>{ $site }</b> is due by { $deadline }. Please answer the checklist above.
checkin-critical-alert =
    🚨 <b>Critical measure missing</b>
    Site: { $site } · { $sector } · { $province }
    Item { $number }: { $item }
    Note: { $note }
    Operator: { $operator } (#{ $member }), { $phone }
checkin-overdue =
    ⏰ <b>Check-in round #{ $round }</b>: { $count } sites in your area did not submit by { $deadline }.
    { $lines }
    { $more ->
        [0] {""}
       *[other] …and { $more } more.
    }
checkin-overdue-site = • { $site } ({ $province }): { $operator } (#{ $member })
checkin-error-cron = “{ $cron }” is not a valid cron expression: five fields, minute hour day month weekday, e.g. <code>0 8 * * 1</code> for Mondays 08:00.
checkin-error-name = The name must be 1 to { $max } characters.
checkin-error-deadline = The deadline must be { $low } to { $high } hours.
checkin-error-schedule-not-found = There is no active schedule #{ $number }.
checkin-error-audience = Unknown sector or province: { $value }.
checkin-error-scope = That audience lies outside your area.
checkin-error-no-sites = No active site matches that audience.
checkin-error-not-yours = That check-in is not yours to answer.
checkin-error-submitted = This check-in was already submitted.
checkin-error-incomplete = Answer every item before submitting.
checkin-error-note-empty = The note is empty. Please type what is missing.
checkin-error-note-long = The note is { $length } characters; at most { $max }. Please shorten it and send it again.
checkin-launch-sectors = 📋 <b>Ad-hoc check-in.</b> Which sectors? Tap to choose, then Done (nothing chosen = all in your area).
checkin-launch-provinces = Which provinces? Tap to choose, then Done (nothing chosen = all in your area).
checkin-launch-hours = { $hours } h
checkin-launch-deadline = How long do sites have to answer?
checkin-launch-confirm =
    Start a check-in for { $sectors } in { $provinces }?
    { $count } sites will get their checklist, to answer within { $hours } hours.
btn-checkin-launch = ▶️ Start
btn-checkin-cancel = ✖️ Cancel
checkin-launch-cancelled = Check-in not started.
checkin-launched = ✅ Check-in round #{ $round } started for { $count } sites, due { $deadline }. Follow it with /compliance.
compliance-none = No check-in round in your area yet.
compliance-last-round = 📊 <b>Last round #{ $round }</b> (started { $scheduled }, due { $deadline }):
compliance-area = • { $sector }, { $province }: { $rate }
compliance-rate = { $submitted }/{ $total } submitted ({ $percent }%){ $late ->
        [0] {""}
       *[other] , { $late } late
    }
compliance-weekly = <b>Per week, last { $weeks } weeks:</b>
compliance-week = • week of { $week }: { $rate }
compliance-top-no = <b>Most often missing:</b>
compliance-no-item = • { $item }: No { $no } of { $answered }
compliance-overdue = <b>Overdue sites:</b> { $count }
compliance-overdue-site = • { $site } (site #{ $number }, { $province }): { $operator }, was due { $deadline }
compliance-hint = One site's history: <code>/compliance site-number</code>.
compliance-usage = Usage: <code>/compliance</code> for your area, or <code>/compliance 12</code> for site #12.
compliance-site = 📍 <b>{ $site }</b> (site #{ $number }) · { $sector } · { $province }
compliance-site-empty = No check-in for this site yet.
compliance-site-round = • Round #{ $round }, { $scheduled }: { $state }
compliance-site-no = {"    "}❌ { $number }. { $item } — { $note }
compliance-state-on-time = submitted on time
compliance-state-late = submitted late
compliance-state-missed = not submitted
compliance-state-open = open
compliance-error-site = There is no site #{ $number }.
compliance-error-site-scope = That site lies outside your area.
compliance-export-caption = Check-ins of the last { $weeks } weeks: { $count } rows. Personal data: keep it within the programme.
schedules-none = No recurring check-in is set. An administrator adds one with <code>perisai schedules add</code>.
schedules-header = 🗓 <b>Recurring check-ins</b> (times are each venue's local time):
schedules-line = • #{ $number } { $name }: <code>{ $cron }</code> · { $sectors } · { $provinces } · { $hours } h to answer. Next: { $next }
## Suspicious activity reports
cmd-report = Report suspicious activity
cmd-reports = Reports (yours, or in your area)
btn-report = 🚨 Report
btn-share-location = 📍 Send my current location
report-intro = ☎️ <b>If anyone is in danger now, call 112 (police 110) first.</b> Then report here what you saw; the coordinators responsible for that place get it at once. /cancel stops the report at any time.
report-emergency =
    🚨 <b>CALL 112 NOW</b> (police: <b>110</b>).
    Get yourself and others to safety first. This report does not replace an emergency call; continue below once you are safe.
report-emergency-short = 🚨 If anyone is in danger: call <b>112</b> (police <b>110</b>).
report-resumed = You have an unfinished report; let us continue from the last step.
report-cancelled = Report cancelled; nothing was sent.
report-ask-urgency = Is anyone in danger <b>right now</b>?
report-option-urgency-yes = 🚨 Yes, there is danger now
report-option-urgency-no = No immediate danger
report-ask-category =
    What did you observe? Choose the closest:
    { $legend }
report-group-criminal = criminal activity or threat
report-group-precursor = behaviour to be checked
report-group-other = other
report-cat-breach = Breach or attempted intrusion
report-cat-misrep = Misrepresentation, false identity
report-cat-theft = Theft, loss or diversion
report-cat-sabotage = Sabotage, tampering, vandalism
report-cat-cyber = Cyberattack
report-cat-threat = Expressed or implied threat
report-cat-aviation = Aviation activity, including drones
report-cat-eliciting = Eliciting information
report-cat-probing = Testing or probing of security
report-cat-recruiting = Recruiting or financing
report-cat-photography = Photography
report-cat-surveillance = Observation or surveillance
report-cat-materials = Materials acquisition or storage
report-cat-expertise = Acquisition of expertise
report-cat-weapons = Weapons collection or discovery
report-cat-sector = Sector-specific incident
report-cat-other = Other
report-ask-description =
    What happened? Describe the behaviour: what was done, for how long, what caught your attention (at most { $max } characters).
    <i>Appearance, ethnicity, religion or gender are not indicators; report behaviour.</i>
report-ask-where = Where? Choose one of your sites, or send a location (📎 › Location), or type the address.
report-option-where-elsewhere = 📍 Another place
report-ask-place = Send the location with the button below (or 📎 › Location), or type the address or name of the place.
report-ask-province = In which province?
report-ask-when = When?
report-option-when-now = Now, still going on
report-option-when-hour = Within the last hour
report-option-when-today = Earlier today
report-option-when-earlier = Earlier (type the time)
report-when-text = { $text }
report-ask-when-text = When exactly? Type the date and time, e.g. "yesterday 21:30".
report-ask-people =
    People or vehicles involved? Number, clothing, what they carried, which way they went; vehicles: type, colour, number plate.
    <i>Appearance, ethnicity, religion or gender are not indicators; report behaviour.</i>
report-option-people-skip = Skip
report-ask-media = Photos, videos or documents? Send them here ({ $count } so far, at most { $max }, each at most { $mb } MB), then tap Done.
report-option-media-done = Done ▶️
report-attached = 📎 Attachment received ({ $count }/{ $max }).
report-review =
    <b>Check your report</b>
    { $urgency }
    Category: { $category }
    Where: { $place }
    When: { $when }
    Attachments: { $attachments }
report-review-immediate = 🚨 <b>Danger now</b>
report-review-later = No immediate danger
report-option-review-submit = ✅ Submit the report
report-option-review-cancel = ✖️ Cancel
report-submitted = ✅ Report #{ $number } received and passed to { $coordinators } coordinator(s). You will be told here of every change.
report-media-no-draft = To send photos, videos, documents or a location to the coordinators, start a report with /report or the 🚨 Report button.
error-report-unsupported = That cannot be used here. A report takes text, photos, videos and documents (PDF, images, videos, text; each at most { $mb } MB), and a location at the "where" step. Your report is kept.
error-report-too-large = That file is larger than { $mb } MB. Please send a smaller one; your report is kept.
error-report-too-many = The report already has { $max } attachments, the limit. Tap Done to continue; your report is kept.
error-report-location-here = A location can only be sent at the "where" step.
error-report-rate = You have sent { $max } reports in the last hour, the limit. This report is kept: submit it again later. If anyone is in danger, call 112 (police 110).
error-report-scope = That report is outside your area.
error-report-gone = That report does not exist.
error-report-closed = Report #{ $number } is already closed.
error-report-state = Report #{ $number } is already { $state }.
error-report-reporter-gone = The reporter is no longer active; the question cannot be sent.
error-report-filter = “{ $arg }” is not a known filter. For example: <code>/reports province=JI sector=mall category=photography</code>

## Reports: coordinators
report-state-new = New
report-state-acknowledged = Acknowledged
report-state-in_progress = In progress
report-state-escalated = Escalated to police
report-state-closed = Closed
report-closure-resolved = Resolved
report-closure-unfounded = Unfounded
report-closure-duplicate = Duplicate
report-closure-none = -
report-card-immediate = 🚨 <b>IMMEDIATE: the reporter says someone is in danger now</b>
report-card =
    <b>Suspicious activity report #{ $number }</b>
    Category: { $category }
    Where: { $place }
    When: { $when } (reported { $submitted })
    Attachments: { $attachments }
    Reporter: { $reporter } (#{ $member }), { $organisation }, { $phone }, { $username }
    Status: { $state }
report-place-site = { $name }
report-place-location = 📍 <a href="https://maps.google.com/?q={ $latitude },{ $longitude }">{ $latitude }, { $longitude }</a>
report-place-area = { $sector }, { $province }
report-attachment-caption = Report #{ $number } · { $index }/{ $total }
btn-report-ack = 👀 Acknowledge
btn-report-take = 🙋 Take it
btn-report-ask = ❓ Ask the reporter
btn-report-escalate = 🚓 Escalate to police
btn-report-close = ✔️ Close
btn-report-history = 📜 History
btn-report-advisory = 📝 Draft an advisory
btn-report-export = ⬇️ Reports CSV
btn-report-no-note = No note
report-colleague-changed = Report #{ $number }: { $state } (by { $by }).
report-changed = Report #{ $number }: { $state }.
report-ask-question = Type your question for the reporter of report #{ $number } (they do not see your name), or /cancel.
report-question-sent = Question sent to the reporter of report #{ $number }; you will get the answer here.
report-ask-note = Report #{ $number } → { $state }. Type an internal note (not shown to the reporter), or tap No note.
report-ask-closure = Close report #{ $number } as:
report-history-header = <b>History of report #{ $number }</b>
report-history-line = { $at } · { $who }: { $what }
report-history-state = state → { $state }
report-history-submitted = submitted the report
report-history-question = asked the reporter
report-history-answer = answered
report-history-advisory = started an advisory draft from this report
report-list-header = <b>Open reports in your area: { $total }</b> (urgent first, then the oldest)
report-list-line = #{ $number } { $urgent }{ $category } · { $province } · { $sector } · { $state } · { $submitted }
report-export-caption = { $count } reports. Personal data: keep it within the programme.
report-advisory-title-many = { $category }: { $count } related reports
report-advisory-body-many = { $count } related incidents were reported:
btn-report-advisory-many = 📝 Advisory from these reports
error-report-advisory-count = An advisory draft is made from 1 to { $max } reports.
report-advisory-intro =
    An advisory draft from report #{ $number }, for that report's sector and province (you can change them). Suggested title: <b>{ $title }</b>
    Suggested text:
report-advisory-title = { $category } in { $province }
report-advisory-body = Reported: { $category } near a { $sector } site, { $province }.

## Reports: to the reporter
report-notice-acknowledged = Your report #{ $number } has been acknowledged by a coordinator.
report-notice-in_progress = Your report #{ $number } is being handled by a coordinator.
report-notice-escalated = Your report #{ $number } has been passed to the police.
report-notice-closed = Your report #{ $number } is closed: { $closure }. Thank you for your vigilance.
report-question = ❓ A coordinator asks about your report #{ $number }:
report-question-hint = <i>Reply to this message with your answer.</i>
report-answer-hint = Your answer
report-answer-sent = Thank you, your answer has been passed on (report #{ $number }).
report-answer-forward = 💬 <b>The reporter's answer, report #{ $number }</b>
report-label-question = Question:
report-label-answer = Answer:
report-label-description = What happened:
report-label-people = People/vehicles:
report-none-mine = You have not sent a report yet. Send /report or tap 🚨 Report.
report-mine-header = <b>Your reports</b>
report-mine-line = #{ $number } { $category } · { $state } · { $submitted }
