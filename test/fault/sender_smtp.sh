#!/usr/bin/env bash
# journey-sender's smtp channel against a local SMTP sink (test/sinks/smtp_sink.py, python3-aiosmtpd): a
# journey sends a stored template by e-mail; each message arrives once, to payload.to, from the configured
# address, with the rendered subject (non-ASCII, RFC 2047) and body (a line holding a single dot survives),
# Message-ID <dedup key@from's domain>, X-Journey-Dedup-Key and List-Unsubscribe. The server offers no
# STARTTLS: the sender goes on in clear (CURLUSESSL_TRY). A recipient refused with 550 is dead.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"

sender_db sender_smtp
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || not_ok "set up the journey"
INSERT INTO journey.templates (name, channel, subject, body)
VALUES ('welcome_mail', 'email', 'Welcome, {{event.name}} ✓', E'Hello {{event.name}},\nthanks for joining.\n.\nThe line above is a single dot.');
SELECT journey.define($j${"name": "mail_welcome", "trigger": {"event": "mw_go"}, "start": "mail",
  "nodes": {"mail": {"send": {"channel": "email", "template": "welcome_mail"}, "next": "done"},
            "done": {"exit": "completed"}}}$j$, publish => true);
SELECT journey.set_contact('m' || i, 'email', CASE WHEN i = 5 THEN 'rejected@example.com' ELSE 'm' || i || '@example.com' END)
  FROM generate_series(1, 5) i;
SELECT journey.track('m' || i, 'mw_go', jsonb_build_object('name', 'Zoë ' || i)) FROM generate_series(1, 5) i;
SQL
check "5 e-mails in the outbox" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending'")" 5

smtp_sink mail --reject rejected
sender --once --smtp "email=smtp://127.0.0.1:$smtp_port" --channel 'email.from=Shop <news@shop.example>' \
	--channel 'email.list_unsubscribe=<https://shop.example/unsub?u={user_id}>' 2>"$work/sender.log"
check "--once exits 0" "$?" 0
check "4 sent" "$(q "SELECT string_agg(user_id, ',' ORDER BY user_id) FROM journey.outbox WHERE status = 'sent'")" "m1,m2,m3,m4"
check "the recipient refused with 550 is dead, the server's reply in last_error" \
	"$(q "SELECT user_id || ' ' || (last_error LIKE '%SMTP 550%550 5.1.1 mailbox unavailable: rejected@example.com%') FROM journey.outbox WHERE status = 'dead'")" "m5 true"
check "the sink received 4 messages" "$(wc -l <"$work/mail.log")" 4
check "each to payload.to, from the configured address" \
	"$(json_lines "$work/mail.log" "r['mail_from'] + ' ' + ','.join(r['rcpt_tos']) + ' ' + r['headers']['to']" | sort | xargs)" \
	"news@shop.example m1@example.com m1@example.com news@shop.example m2@example.com m2@example.com news@shop.example m3@example.com m3@example.com news@shop.example m4@example.com m4@example.com"
check "the rendered subject, decoded (non-ASCII)" "$(json_lines "$work/mail.log" "r['subject']" | sort | head -1)" "Welcome, Zoë 1 ✓"
check "the rendered body, a line of a single dot kept" \
	"$(json_lines "$work/mail.log" "repr(r['body'])" | sort | head -1)" \
	"'Hello Zoë 1,\\nthanks for joining.\\n.\\nThe line above is a single dot.'"
want_ids=$(q "SELECT '<' || replace(dedup_key, ':', '.') || '@shop.example> ' || dedup_key FROM journey.outbox WHERE status = 'sent' ORDER BY 1")
check "Message-ID is <dedup key@from's domain> (':' as '.'), X-Journey-Dedup-Key the key itself" \
	"$(json_lines "$work/mail.log" "r['headers']['message-id'] + ' ' + r['headers']['x-journey-dedup-key']" | sort)" "$want_ids"
check "List-Unsubscribe with the user substituted" \
	"$(json_lines "$work/mail.log" "r['headers'].get('list-unsubscribe')" | sort | head -1)" "<https://shop.example/unsub?u=m1>"
check "UTF-8 text, MIME 1.0" \
	"$(json_lines "$work/mail.log" "r['headers']['mime-version'] + ' ' + r['headers']['content-type']" | sort -u)" \
	"1.0 text/plain; charset=\"UTF-8\""
note "the refused recipient: $(q "SELECT last_error FROM journey.outbox WHERE status = 'dead'")"
fault_finish
