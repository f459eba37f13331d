#!/bin/sh
test_description='lures beyond Chinese and English, advance-fee letters, bulk and affiliate spam, filter evasion'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'account and sign-in lures in German, Dutch, French, Portuguese, Spanish' '
	lure LW_EU_ACCOUNT_SUSPEND "Ihr Konto wurde vorübergehend gesperrt." &&
	lure LW_EU_ACCOUNT_SUSPEND "Sua conta foi bloqueada por segurança." &&
	lure LW_EU_ACCOUNT_SUSPEND "Votre compte a été suspendu." &&
	calm LW_EU_ACCOUNT_SUSPEND "Ihr Konto bei uns ist eröffnet, willkommen." &&
	lure LW_EU_VERIFY_ACCOUNT "Bitte bestätigen Sie Ihre Daten innerhalb von 48 Stunden." &&
	lure LW_EU_VERIFY_ACCOUNT "Bevestig uw gegevens via de knop hieronder." &&
	calm LW_EU_VERIFY_ACCOUNT "Wir bestätigen den Termin am Montag." &&
	lure LW_EU_UNUSUAL_SIGNIN "Detectamos um novo acesso à sua conta." &&
	lure LW_EU_UNUSUAL_SIGNIN "Nous avons détecté une nouvelle connexion." &&
	lure LW_EU_UNUSUAL_SIGNIN "Sua conta foi acessada a partir de um novo dispositivo." &&
	lure LW_EU_UNUSUAL_SIGNIN "Acesso indevido detectado." &&
	lure LW_EU_UNUSUAL_SIGNIN "Anmeldung von einem unbekannten Gerät." &&
	calm LW_EU_UNUSUAL_SIGNIN "O acesso ao prédio é pela porta lateral." &&
	calm LW_EU_UNUSUAL_SIGNIN "O novo aparelho chega na segunda-feira." &&
	lure LW_EU_CREDENTIAL_ASK "Entre com seu e-mail e senha para verificar a atividade." &&
	lure LW_EU_CREDENTIAL_ASK "Ingrese su contraseña para continuar." &&
	lure LW_EU_CREDENTIAL_ASK "Bitte geben Sie Ihr Passwort ein." &&
	lure LW_EU_CREDENTIAL_ASK "Saisissez votre mot de passe." &&
	lure LW_EU_CREDENTIAL_ASK "Voer uw wachtwoord in om door te gaan." &&
	lure LW_EU_CREDENTIAL_ASK "Inserisci la tua password." &&
	calm LW_EU_CREDENTIAL_ASK "Nunca pediremos sua senha por e-mail." &&
	calm LW_EU_CREDENTIAL_ASK "Das Passwort für das WLAN hängt im Büro."
'
test_expect_success 'prize, urgency, parcel, invoice, court and inheritance pretexts' '
	lure LW_EU_PRIZE "Herzlichen Glückwunsch, Sie wurden ausgewählt!" &&
	lure LW_EU_PRIZE "Gefeliciteerd! Je bent geselecteerd." &&
	lure LW_EU_PRIZE "Parabéns, você foi selecionado." &&
	calm LW_EU_PRIZE "Die Preise für das Seminar stehen fest." &&
	lure LW_EU_URGENT "Bitte antworten Sie sofort." &&
	lure LW_EU_URGENT "Responda nas próximas 24 horas." &&
	calm LW_EU_URGENT "Antworten Sie, wenn Sie Zeit haben." &&
	lure LW_EU_DELIVERY_PROBLEM "Uw pakket kon niet worden bezorgd." &&
	lure LW_EU_DELIVERY_PROBLEM "Votre colis est en attente de paiement." &&
	calm LW_EU_DELIVERY_PROBLEM "Das Paket ist angekommen, danke." &&
	lure LW_EU_INVOICE_DUE "Sua fatura está vencida." &&
	lure LW_EU_INVOICE_DUE "Ihre Rechnung ist überfällig." &&
	calm LW_EU_INVOICE_DUE "Die Rechnung liegt bei, bezahlt am 3. Mai." &&
	lure LW_EU_COURT_PRETEXT "Intimação eletrônica: processo judicial em seu nome." &&
	lure LW_EU_COURT_PRETEXT "Tribunal de Justica Federal. Tipo de Distribuicao: Intimacao" &&
	lure LW_EU_COURT_PRETEXT "Notificación judicial: atención requerida." &&
	calm LW_EU_COURT_PRETEXT "Der Termin beim Arzt ist am Freitag." &&
	calm LW_EU_COURT_PRETEXT "A notificação do aplicativo chegou." &&
	lure LW_EU_TRAFFIC_FINE "Consta uma multa de trânsito no valor de R\$ 293,47." &&
	lure LW_EU_TRAFFIC_FINE "Sie haben einen offenen Bußgeldbescheid." &&
	lure LW_EU_TRAFFIC_FINE "Votre amende forfaitaire est impayée." &&
	lure LW_EU_TRAFFIC_FINE "U heeft een openstaande verkeersboete." &&
	calm LW_EU_TRAFFIC_FINE "O trânsito estava bom hoje." &&
	lure LW_EU_TOLL_UNPAID "Consta um pedágio em aberto no seu veículo." &&
	lure LW_EU_TOLL_UNPAID "Ihre Maut ist noch offen." &&
	calm LW_EU_TOLL_UNPAID "Die Maut in Österreich ist gut ausgeschildert." &&
	lure LW_EU_ADVANCE_FEE "Você vai herdar o fundo de doação de 2,5 milhões de dólares." &&
	calm LW_EU_ADVANCE_FEE "O fundo de garantia foi atualizado." &&
	lure LW_EU_SUBSCRIPTION_END "Ihr Abonnement ist abgelaufen." &&
	calm LW_EU_SUBSCRIPTION_END "Ihr Abonnement beginnt am Montag."
'
# authority FILE FROM [HEADER...]: a traffic-fine notice with a link, from FROM
authority() {
	local file=$1 from=$2
	shift 2
	mkmail "$file" "From: DETRAN <$from>" "$@" "Subject: Multa em seu CPF" -- \
		"Consta uma multa de trânsito em um veículo cadastrado em seu CPF.
Consulte: https://consulta-multas.example.net/ver"
}
test_expect_success 'an authority'"'"'s pretext from an address outside any government domain is impersonation' '
	authority m adm.detran@mailer-08.example.com &&
	expect_rule LW_META_AUTHORITY_ELSEWHERE m &&
	action=$(test_json_field m.json action) &&
	case "$action" in quarantine|reject) ;; *) echo "expected quarantine or reject, got $action:"; cat m.rules; false ;; esac
'
test_expect_success 'near miss: the authority'"'"'s own domain, a reply, no link' '
	authority gov notifica@detran.sp.gov.br &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE gov &&
	authority jus intimacao@tjsp.jus.br &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE jus &&
	authority reply adm.detran@mailer-08.example.com "In-Reply-To: <a1@example.com>" &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE reply &&
	mkmail nolink "From: DETRAN <adm.detran@mailer-08.example.com>" "Subject: Multa" -- \
		"Consta uma multa de trânsito em um veículo cadastrado em seu CPF." &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE nolink
'
test_expect_success 'near miss: tolls and tax refunds are no authority'"'"'s alone (toll operators, tax software and banks write them)' '
	mkmail toll "From: E-ZPass <service@e-zpassny.example.com>" "Subject: Statement" -- \
		"You have an outstanding toll balance of \$4.20. Pay at https://www.e-zpassny.example.com/pay" &&
	expect_rule LW_EN_TOLL_FINE toll &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE toll &&
	mkmail tax "From: Bank <news@bank.example.com>" "Subject: Spring" -- \
		"Put your tax refund to work: https://www.bank.example.com/save" &&
	expect_rule LW_EN_TAX_REFUND tax &&
	expect_no_rule LW_META_AUTHORITY_ELSEWHERE tax
'
test_expect_success 'subject lures in other languages' '
	subj LW_SUBJ_EU_LURE "Edeka Gutschein: Sie wurden ausgewählt" &&
	subj LW_SUBJ_EU_LURE "Uw pakket staat in de wacht" &&
	calm_subj LW_SUBJ_EU_LURE "Protokoll der Sitzung vom Montag"
'
test_expect_success 'an advance-fee letter: introduction, big sum, proposal, private address, details, donor' '
	lure LW_EN_419_INTRO "Greetings, I am Barrister James Obi, a lawyer." &&
	calm LW_EN_419_INTRO "I am sure the meeting went well." &&
	lure LW_EN_BIG_SUM "the sum of US\$12,500,000.00 left in the account" &&
	lure LW_EN_BIG_SUM "an amount of 18.5 million US dollars" &&
	calm LW_EN_BIG_SUM "the invoice of \$1,250.00 is paid" &&
	lure LW_EN_BUSINESS_PROPOSAL "I have a business proposal that is of mutual benefit." &&
	calm LW_EN_BUSINESS_PROPOSAL "The proposal for the workshop is attached." &&
	lure LW_EN_REPLY_OFFCHANNEL "Please reply to my private email for more details." &&
	lure LW_EN_REPLY_OFFCHANNEL "Contact me on WhatsApp +44 7700 900123 today" &&
	calm LW_EN_REPLY_OFFCHANNEL "Please reply to this email by Friday." &&
	lure LW_EN_PERSONAL_DETAILS "Send your full names, home address, phone number and occupation." &&
	calm LW_EN_PERSONAL_DETAILS "The phone number of the helpdesk is on the wiki." &&
	lure LW_EN_PERSONAL_DETAILS "Please provide your full details, postal address, name, and telephone number." &&
	lure LW_EN_ADVANCE_FEE "Your funds have been scheduled to be paid by ATM card." &&
	calm LW_EN_ADVANCE_FEE "The ATM card reader at the main branch is out of order." &&
	lure LW_EN_DYING_DONOR "I was diagnosed with cancer and want to donate my fund to charity." &&
	calm LW_EN_DYING_DONOR "The cancer research fund published its report."
'
test_expect_success 'topic rules stay quiet in a conversation or a list' '
	mkmail m "From: A <a@example.com>" "In-Reply-To: <x@example.com>" "Subject: Re: that scam" \
		-- "He claimed the sum of US\$12,500,000.00 was waiting" &&
	expect_no_rule LW_EN_BIG_SUM m &&
	mkmail n "From: A <a@example.com>" "List-Id: <spam-talk.lists.example.org>" "Subject: viagra spam again" \
		-- "Another viagra spam run hit the list today" &&
	expect_no_rule LW_SPAM_PHARMA n &&
	lure LW_SPAM_PHARMA "Cialis and Viagra at half price"
'
test_expect_success 'list traffic is recognised by List-Post, Mailing-List (ezmlm, Yahoo Groups) and X-BeenThere (Mailman)' '
	for h in "List-Post: <mailto:talk@lists.example.org>" "Mailing-List: list talk@groups.example.org; contact talk-owner@groups.example.org" \
		"X-BeenThere: talk@lists.example.org"
	do
		mkmail m "From: A <a@example.com>" "To: undisclosed-recipients:;" "$h" "Subject: weekly digest" \
			-- "Another viagra spam run hit the list today" &&
		expect_no_rule LW_SPAM_PHARMA m &&
		expect_no_rule LW_HDR_BCC_BLAST m || return 1
	done &&
	mkmail n "From: A <a@example.com>" "To: undisclosed-recipients:;" "Subject: weekly digest" &&
	expect_rule LW_HDR_BCC_BLAST n
'
test_expect_success 'bulk and affiliate spam: footers, gambling, easy money, dating, pushed-down text' '
	lure LW_SPAM_AFFILIATE "This is an advertisement. The advertiser does not manage your subscription." &&
	lure LW_SPAM_AFFILIATE "click here to remove yourself from our emails list" &&
	calm LW_SPAM_AFFILIATE "To unsubscribe, use the link in the footer." &&
	lure LW_SPAM_GAMBLING "Get 50 free spins, no deposit required!" &&
	calm LW_SPAM_GAMBLING "The deposit for the room is due Monday." &&
	subj LW_SUBJ_GAMBLING "300% welcome bonus + 50 free spins" &&
	calm_subj LW_SUBJ_GAMBLING "Minutes of the budget meeting" &&
	subj LW_SUBJ_GAMBLING "Dein Willkommensbonus wartet: 500 EUR" &&
	subj LW_SUBJ_GAMBLING "Ihr Bonus ohne Einzahlung wartet" &&
	calm_subj LW_SUBJ_GAMBLING "Please review and sign: Q4 Bonus Agreement" &&
	calm_subj LW_SUBJ_GAMBLING "Only a few interview slots left for Friday" &&
	lure LW_EN_EASY_MONEY "Earn \$500 a day from home with ease!" &&
	calm LW_EN_EASY_MONEY "We earn interest on the deposit." &&
	subj LW_SUBJ_EASY_MONEY "Make \$1,000 per day with this trick" &&
	lure LW_SPAM_ADULT "Hot singles in your area want to meet you" &&
	calm LW_SPAM_ADULT "The singles tournament starts at noon" &&
	mkmail m "From: A <a@example.com>" "Subject: news" "Content-Type: text/html; charset=utf-8" \
		-- "<div style=\"height:10000vh\"></div><p>filler words</p>" &&
	expect_rule LW_HTML_PUSHDOWN m &&
	mkmail m "From: A <a@example.com>" "Subject: news" "Content-Type: text/html; charset=utf-8" \
		-- "<div style=\"height:100px\"></div><p>news</p>" &&
	expect_no_rule LW_HTML_PUSHDOWN m &&
	mkmail m "From: A <a@example.com>" "Subject: news" "Content-Type: text/html; charset=utf-8" \
		-- "<p>news</p><div style=\"margin-top:3000px\">filler words</div>" &&
	expect_rule LW_HTML_PUSHDOWN m
'
# page FILE STYLE: an HTML mail whose second paragraph has STYLE
page() {
	mkmail "$1" "From: A <a@example.com>" "Subject: news" "Content-Type: text/html; charset=utf-8" \
		-- "<p>news</p><div style=\"$2\">more words</div>"
}
test_expect_success 'a push of ten screens or more is no layout (LW_HTML_PUSHDOWN_FAR); max-height and line-height push nothing' '
	page far "height: 2000vh" && expect_rule LW_HTML_PUSHDOWN_FAR far &&
	page farpx "margin-top: 470500px" && expect_rule LW_HTML_PUSHDOWN_FAR farpx &&
	page tall "height: 3000px" && expect_rule LW_HTML_PUSHDOWN tall && expect_no_rule LW_HTML_PUSHDOWN_FAR tall &&
	page min "min-height: 12000px" && expect_rule LW_HTML_PUSHDOWN_FAR min &&
	page max "max-height:999999px" && expect_no_rule LW_HTML_PUSHDOWN max &&
	page line "line-height: 1200px" && expect_no_rule LW_HTML_PUSHDOWN line
'
test_expect_success 'bulk-sending signs: a Bcc blast, an unsubscribe text with no List-Unsubscribe' '
	mkmail m "From: A <a@example.com>" "To: undisclosed-recipients:;" "Subject: offer" &&
	expect_rule LW_HDR_BCC_BLAST m &&
	mkmail m "From: A <a@example.com>" "To: Undisclosed recipients:;" "List-Id: <x.lists.example.org>" "Subject: offer" &&
	expect_no_rule LW_HDR_BCC_BLAST m &&
	mkmail m "From: A <a@example.com>" "Subject: offer" -- "Great deals. To unsubscribe click here." &&
	expect_rule LW_BULK_NO_LIST_UNSUB m &&
	mkmail m "From: A <a@example.com>" "List-Unsubscribe: <https://example.com/u>" "Subject: offer" \
		-- "Great deals. To unsubscribe click here." &&
	expect_no_rule LW_BULK_NO_LIST_UNSUB m
'
test_expect_success 'filter evasion: joined subject words, sign-up forms carrying links, crypto balances' '
	subj LW_SUBJ_JOINED_WORDS "Money.transfer.0.7495.Bitcoin" &&
	subj LW_SUBJ_JOINED_WORDS "Active__mining__balance__0.7495__BTC" &&
	calm_subj LW_SUBJ_JOINED_WORDS "Re: lurewatch 1.2.3 released" &&
	lure LW_FORM_USERNAME_URL "Username: www.earn-fast.example - TRADE TO EARN. To set your password, visit" &&
	calm LW_FORM_USERNAME_URL "Username: alice. To set your password, visit the site." &&
	lure LW_EN_CRYPTO_BALANCE "Your balance of 0.7495 BTC is ready for withdrawal" &&
	lure LW_EN_CRYPTO_BALANCE "Join the airdrop now" &&
	subj LW_SUBJ_RANDOM_TOKEN "Comunicado-9klVLp4MeNmjOMWBow" &&
	calm_subj LW_SUBJ_RANDOM_TOKEN "Re: build 20261125 passed" &&
	lure LW_TEXT_ENTITY_LETTERS "Prezado, Voc&ecirc; tem R\$4.593,21 &agrave; restituir." &&
	calm LW_TEXT_ENTITY_LETTERS "Use &amp; and &lt; in the template." &&
	lure LW_SPAM_GAMBLING "世界杯你买球了吗？充值送50%" &&
	calm LW_EN_CRYPTO_BALANCE "The balance sheet is attached"
'
test_expect_success 'look-alike letters inside body words; invisible selectors; fancy letters in the address' '
	lure LW_TEXT_MIXED_SCRIPT_BODY "$(printf "Good aftern\320\276on. Log in to your acc\320\276unt")" &&
	calm LW_TEXT_MIXED_SCRIPT_BODY "$(printf "\320\237\321\200\320\270\320\262\320\265\321\202 from Moscow, see the Wiki")" &&
	mkmail m "From: A <a@example.com>" "$(printf "Subject: Mi\363\240\204\271c\363\240\204\271rosoft 365 payment issue")" &&
	expect_rule LW_TEXT_INVISIBLE_CHARS m &&
	mkmail m "From: A <a@example.com>" "$(printf "Subject: \350\221\233\363\240\204\200 name with an ideographic variant")" &&
	expect_no_rule LW_TEXT_INVISIBLE_CHARS m &&
	mkmail m "$(printf "From: Team <team@\360\235\227\271\360\235\227\266\360\235\227\261\360\235\227\271.de>")" "Subject: offer" &&
	expect_rule LW_TEXT_FANCY_LETTERS m
'
test_expect_success 'callback phishing: a receipt, a charge and a number to call' '
	lure LW_EN_CALLBACK_PHISH "Your order is confirmed. Amount: \$523.00. If you did not authorize this, call our support at 1-855-596-2198." &&
	lure LW_EN_CALLBACK_PHISH "Your subscription has been renewed for USD 299.99. Support: +1 843-602-3984" &&
	calm LW_EN_CALLBACK_PHISH "Your order is confirmed. Amount: \$23.00. Track it on our web site." &&
	calm LW_EN_CALLBACK_PHISH "Call me at 205-922-5763 about the \$40.00 lunch bill." &&
	# A shop'"'"'s real receipt links to the shop; the callback scam gives only the number
	calm LW_EN_CALLBACK_PHISH "Your order is confirmed. Amount: \$523.00. Questions? Call our support at 1-855-596-2198 or see https://shop.example.com/orders/5231" &&
	mkmail m "From: A <a@example.com>" "Subject: Re: refund" "In-Reply-To: <x@example.com>" \
		-- "Your order is confirmed, \$52.00; call 1-800-353-8437 if wrong." &&
	expect_no_rule LW_EN_CALLBACK_PHISH m
'
test_expect_success 'crypto, crimeware and dating funnels' '
	lure LW_EN_CRYPTO_PRESALE "Join the \$PYTH token presale before it closes" &&
	calm LW_EN_CRYPTO_PRESALE "Members get early access to the concert ticket presale on Friday" &&
	lure LW_EN_CRYPTO_PRESALE "Stake your XLM for 25% yields" &&
	calm LW_EN_CRYPTO_PRESALE "The mistake was in the stakeholder yield table" &&
	subj LW_SUBJ_CRYPTO_CLAIM "Claim 26000 UNI tokens now" &&
	subj LW_SUBJ_CRYPTO_CLAIM "Ihre Bitcoin-Auszahlung ist bereit" &&
	calm_subj LW_SUBJ_CRYPTO_CLAIM "Bitcoin price falls again" &&
	lure LW_EN_CRYPTO_CLAIM "Your payout of 0.3 ETH is waiting" &&
	lure LW_SPAM_CRIMEWARE "Buy cPanels-Shells-RDP-SMTP-Mailers-Leads in one shop" &&
	calm LW_SPAM_CRIMEWARE "Our SMTP relay logs show a proxy problem" &&
	mkmail m "From: A <a@example.com>" "Subject: Re: relay" "In-Reply-To: <y@example.com>" \
		-- "Both SMTP mailers and the shells are patched now" &&
	expect_no_rule LW_SPAM_CRIMEWARE m &&
	lure LW_SPAM_ADULT "Ontmoet vandaag nog Oekraïense vrouwen" &&
	lure LW_SPAM_ADULT "Click for date http://example.net/x" &&
	calm LW_SPAM_ADULT "The Ukrainian delegation arrives on Monday" &&
	subj LW_SUBJ_DATING "Maak kennis met hete Oekraïense singles" &&
	subj LW_SUBJ_DATING "I am 23 years old, looking for a lover." &&
	calm_subj LW_SUBJ_DATING "Russian delegation visit: agenda" &&
	mkmail m "From: A <a@example.com>" "Subject: Re: singles or doubles?" "In-Reply-To: <z@example.com>" &&
	expect_no_rule LW_SUBJ_DATING m &&
	lure LW_EN_UNUSUAL_SIGNIN "We noticed a login attempt from an unfamiliar device" &&
	calm LW_EN_UNUSUAL_SIGNIN "Register your new device with the help desk"
'
test_expect_success 'the cloud-storage scam: storage full, photos and files to be deleted, in six languages' '
	lure LW_EN_STORAGE_FULL "Your cloud storage is full. All your photos and videos will be deleted on Friday." &&
	lure LW_EN_STORAGE_FULL "Your photos are going to be deleted unless you upgrade." &&
	calm LW_EN_STORAGE_FULL "We moved the photos from the trip to the shared drive; nothing was lost." &&
	calm LW_EN_STORAGE_FULL "Our full-service storage units open on Monday." &&
	lure LW_EU_STORAGE_FULL "Je hebt geen ruimte meer: je foto'"'"'s worden vanavond verwijderd." &&
	lure LW_EU_STORAGE_FULL "Ihr Speicher ist voll, Ihre Fotos und Videos werden gelöscht." &&
	lure LW_EU_STORAGE_FULL "Seu armazenamento está cheio e suas fotos serão excluídas hoje." &&
	lure LW_EU_STORAGE_FULL "Votre stockage est plein : vos photos seront supprimées." &&
	calm LW_EU_STORAGE_FULL "Die Fotos vom Ausflug liegen im Ordner, bitte nicht löschen."
'
test_expect_success 'points about to expire, the loyalty-programme lure' '
	lure LW_EN_POINTS_EXPIRE "Your 35,000 reward points will expire tomorrow: redeem them now." &&
	calm LW_EN_POINTS_EXPIRE "Points of order for the meeting: budget, then the expiry of the lease." &&
	lure LW_EU_POINTS_EXPIRE "Seus 245.579 pontos expiram em 72 horas." &&
	lure LW_EU_POINTS_EXPIRE "Ihre Punkte verfallen am Monatsende." &&
	lure LW_EU_POINTS_EXPIRE "Je punten vervallen binnenkort." &&
	calm LW_EU_POINTS_EXPIRE "Die Punkte der Tagesordnung stehen fest."
'

test_done
