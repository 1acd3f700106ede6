# Perisai — katalog Bahasa Indonesia. Pesan berformat HTML Telegram.
# Kunci dan placeholder harus sama dengan katalog bahasa Inggris (diperiksa oleh tes).

## Perintah (menu, per peran)
cmd-start = Mendaftar, atau lihat status Anda
cmd-help = Apa yang dapat dilakukan bot ini
cmd-privacy = Apa yang terjadi dengan data Anda
cmd-cancel = Hentikan isian yang sedang berjalan
cmd-profile = Data dan lokasi Anda
cmd-language = Ganti bahasa
cmd-leave = Keluar dari Perisai dan hapus data Anda
cmd-pending = Pendaftaran yang menunggu verifikasi
cmd-invite = Buat kode undangan
cmd-suspend = Tangguhkan anggota
cmd-reinstate = Aktifkan kembali anggota yang ditangguhkan

## Bahasa
language-id = Bahasa Indonesia
language-en = English
language-ask = Pilih bahasa Anda:
language-set = Bahasa diubah ke Bahasa Indonesia.

## Pendaftaran
reg-welcome = Selamat datang di <b>Perisai</b>, saluran peringatan ancaman untuk keamanan objek rentan. Pendaftaran hanya beberapa menit; Anda dapat berhenti kapan saja dengan /cancel.
reg-welcome-invite = Selamat datang di <b>Perisai</b>. Kode undangan Anda berlaku: setelah pendaftaran selesai Anda langsung dapat memakai bot ini.
reg-resume = Mari lanjutkan pendaftaran Anda dari langkah terakhir.
invite-invalid = Kode undangan itu tidak berlaku, sudah habis, atau kedaluwarsa. Anda tetap dapat mendaftar; koordinator akan memeriksa pendaftaran Anda.
reg-ask-language = Pilih bahasa / Choose your language:
reg-ask-consent =
    <b>Data pribadi Anda</b>
    Untuk memverifikasi Anda dan mengirimkan peringatan keamanan, Perisai menyimpan nama, organisasi, nomor telepon, akun Telegram, dan lokasi yang menjadi tanggung jawab Anda. Hanya koordinator program yang dapat melihatnya. Data tidak dipakai untuk hal lain dan tidak diberikan kepada pihak ketiga. Anda dapat melihat data Anda dengan /profile dan menghapusnya kapan saja dengan /leave.
    Apakah Anda setuju? (versi teks persetujuan { $version })
reg-option-consent-agree = Saya setuju
reg-option-consent-decline = Saya tidak setuju
reg-declined = Baik. Tidak ada data yang disimpan. Tanpa persetujuan kami tidak dapat mendaftarkan Anda; kirim /start jika Anda berubah pikiran.
reg-ask-full-name = Siapa nama lengkap Anda?
reg-ask-organisation = Di organisasi atau perusahaan mana Anda bekerja?
reg-ask-member-type = Apa peran Anda?
reg-option-member-type-venue-operator = Pengelola tempat (manajer keamanan)
reg-option-member-type-infrastructure-owner = Pemilik atau operator infrastruktur
reg-ask-site-name = Lokasi { $number }: apa nama lokasi (tempat atau instalasi) yang menjadi tanggung jawab Anda?
reg-ask-site-sector = <b>{ $site }</b> termasuk sektor apa?
reg-ask-site-province = Di provinsi mana <b>{ $site }</b> berada?
reg-ask-more-sites = Anda telah memasukkan { $count } lokasi (paling banyak { $max }). Tambah lokasi lain?
reg-option-more-sites-add = Tambah lokasi lain
reg-option-more-sites-done = Lanjut
reg-ask-phone = Silakan bagikan nomor telepon Anda dengan tombol di bawah, agar koordinator dapat menghubungi Anda.
btn-share-phone = 📱 Bagikan nomor telepon saya
reg-phone-received = Terima kasih, nomor telepon sudah diterima.
reg-ask-confirm =
    Silakan periksa pendaftaran Anda:

    { $summary }

    Apakah semuanya sudah benar?
reg-option-confirm-confirm = ✅ Kirim
reg-option-confirm-restart = ✏️ Ulangi dari awal
reg-option-confirm-cancel = ✖️ Batal
reg-cancelled = Pendaftaran dibatalkan; tidak ada data yang disimpan. Kirim /start untuk memulai lagi.
reg-done-pending = Terima kasih, pendaftaran Anda sudah kami terima. Koordinator akan memeriksanya; Anda akan menerima pesan di sini setelah disetujui.
reg-done-pending-invite-lapsed = Terima kasih, pendaftaran Anda sudah kami terima. Kode undangan Anda habis atau kedaluwarsa selama pendaftaran, jadi koordinator akan memeriksa pendaftaran Anda; Anda akan menerima pesan di sini setelah disetujui.
reg-done-active = Terima kasih, pendaftaran Anda selesai dan aktif. Anda akan menerima peringatan keamanan untuk lokasi Anda di sini. Lihat /help untuk apa yang dapat Anda lakukan.

## Alur
flow-cancelled = Dibatalkan. Isian yang sedang berjalan tidak disimpan.
flow-nothing-to-cancel = Tidak ada yang perlu dibatalkan.
button-stale = Tombol ini sudah tidak berlaku.
hint-nothing-pending = Saya tidak sedang menunggu jawaban dari Anda. Lihat /help untuk apa yang dapat Anda lakukan.
hint-unknown-command = Perintah itu tidak dikenal. Lihat /help.

## Masalah isian
error-text-length = Silakan tulis antara { $min } dan { $max } karakter.
error-text-invalid = Teks itu berisi karakter yang tidak dapat dipakai. Silakan ketik ulang.
error-text-letters = Silakan gunakan huruf, bukan hanya angka atau simbol.
error-use-buttons = Silakan pilih salah satu tombol.
error-type-answer = Silakan ketik jawaban Anda sebagai pesan.
error-phone-use-button = Silakan gunakan tombol “Bagikan nomor telepon saya” di bawah; nomor yang diketik tidak dapat diverifikasi.
error-phone-not-own = Silakan bagikan nomor telepon Anda sendiri dengan tombol di bawah, bukan kontak orang lain.
error-phone-invalid = Nomor telepon itu tampaknya tidak valid. Silakan bagikan dengan tombol di bawah.
error-site-duplicate = Anda sudah memiliki lokasi dengan nama itu. Silakan beri nama lain.
error-too-many-sites = Anda sudah memiliki jumlah lokasi maksimum, yaitu { $max }.
error-site-not-found = Lokasi itu tidak ada di profil Anda.
error-last-site = Anda tidak dapat menghapus satu-satunya lokasi Anda. Tambahkan lokasi baru terlebih dahulu.

## Status
status-unregistered = Anda belum terdaftar. Kirim /start untuk mendaftar.
status-pending = Pendaftaran Anda sedang menunggu pemeriksaan koordinator. Anda akan menerima pesan di sini setelah disetujui. Terima kasih atas kesabaran Anda.
status-rejected = Pendaftaran Anda tidak disetujui. Jika menurut Anda ini keliru, silakan hubungi koordinator program di wilayah Anda.
status-suspended = Keanggotaan Anda sedang ditangguhkan. Silakan hubungi koordinator program di wilayah Anda.
status-left = Anda telah keluar dari Perisai. Kirim /start untuk mendaftar lagi.
status-active = Anda terdaftar dan aktif sebagai { $role }. Lihat /help untuk apa yang dapat Anda lakukan.
role-admin = administrator
role-coordinator = koordinator
role-operator = anggota

## Anggota
member-type-venue_operator = Pengelola tempat
member-type-infrastructure_owner = Pemilik infrastruktur
member-type-none = —
member-card =
    <b>{ $name }</b>
    Organisasi: { $organisation }
    Jenis: { $type }
    Telepon: { $phone }
    Telegram: { $username }
    Lokasi:
site-line = • { $name } — { $sector }, { $province }

## Profil
profile =
    <b>Profil Anda</b> (anggota #{ $number }, { $role }, sejak { $since })

    { $card }
btn-add-site = ➕ Tambah lokasi
btn-remove-site = ➖ Hapus { $name }
btn-edit-name = ✏️ Ubah nama saya
btn-edit-organisation = ✏️ Ubah organisasi saya
profile-ask-first = Sebelum mulai: orang yang menerima kartu dan pemberitahuan Anda perlu tahu siapa Anda.
profile-saved = Tersimpan.
site-added = Lokasi sudah ditambahkan. Lihat /profile.
site-removed = { $name } dihapus.
leave-confirm = Keluar dari Perisai menghentikan semua peringatan dan menghapus nama, nomor telepon, dan nama pengguna Telegram Anda. Hanya catatan anonim dari tindakan sebelumnya yang disimpan. Ini tidak dapat dibatalkan. Keluar?
btn-leave-confirm = Ya, keluar dan hapus data saya
leave-done = Anda telah keluar dari Perisai dan data pribadi Anda sudah dihapus. Terima kasih atas pengabdian Anda. Kirim /start jika suatu saat ingin mendaftar lagi.
help-header = <b>Yang dapat Anda lakukan:</b>
help-newcomer =
    <b>Perisai</b> menyampaikan peringatan keamanan yang sudah diverifikasi kepada orang-orang yang melindungi tempat keramaian dan infrastruktur penting di Indonesia: manajer keamanan pusat perbelanjaan, stadion, hotel, tempat ibadah, simpul transportasi, tempat wisata dan utilitas. Dikelola oleh { $operator }.

    <b>Yang Anda terima:</b> peringatan untuk lokasi Anda, dalam bahasa Anda; pengecekan singkat langkah-langkah pengamanan; cara cepat melaporkan aktivitas mencurigakan kepada koordinator wilayah Anda.

    <b>Cara bergabung:</b> kirim /start dan jawab beberapa pertanyaan (nama, organisasi, lokasi dan nomor telepon). Seorang koordinator lalu memastikan identitas Anda (verifikasi) sebelum Anda menerima apa pun; dengan kode undangan dari koordinator, Anda langsung aktif.

    <b>Data Anda:</b> hanya dipakai untuk kemitraan ini, sesuai undang-undang pelindungan data pribadi. Lihat /privacy.
help-contact = Pertanyaan atau kendala: { $contact }.
privacy =
    <b>Data Anda di Perisai</b> (dikelola oleh { $operator }, sesuai UU 27/2022 tentang Pelindungan Data Pribadi)

    <b>Yang disimpan:</b> nama, organisasi, nomor telepon, akun dan nama pengguna Telegram, lokasi Anda, persetujuan Anda, dan kegiatan Anda di sini: peringatan yang Anda terima dan konfirmasi, jawaban pengecekan, laporan yang Anda kirim.
    <b>Untuk apa:</b> agar Anda menerima peringatan yang tepat, agar koordinator wilayah Anda dapat memverifikasi dan menghubungi Anda, dan untuk menindaklanjuti laporan Anda.
    <b>Siapa yang melihat:</b> koordinator yang wilayahnya mencakup lokasi Anda, dan admin nasional. Tidak ada orang lain.
    <b>Hak Anda:</b> /profile menampilkan data Anda dan memungkinkan Anda memperbaikinya; /leave menghapus nama, nomor telepon dan nama pengguna Anda serta menghentikan semuanya.
    <b>Pertanyaan:</b> { $contact }.

## Verifikasi
vet-card =
    <b>Pendaftaran baru #{ $number }</b>
    { $card }
btn-approve = ✅ Setujui
btn-reject = ✖️ Tolak
vet-none-pending = Tidak ada pendaftaran yang menunggu di wilayah Anda.
vet-pending-header = { $total } pendaftaran menunggu; { $shown } yang tertua ditampilkan di bawah.
vet-ask-reason = Mengapa pendaftaran #{ $number } ({ $name }) ditolak? Ketik alasannya (disimpan di log audit, tidak ditunjukkan kepada pendaftar), atau /cancel.
vet-decided-approved = ✅ Disetujui oleh { $by }.
vet-decided-rejected = ✖️ Ditolak oleh { $by }.
vet-already-decided = Pendaftaran ini sudah diputuskan oleh { $by }.
vet-done-approved = Disetujui. Anggota sudah diberi tahu.
vet-done-rejected = Ditolak. Pendaftar sudah diberi tahu.
vet-applicant-approved = ✅ Pendaftaran Perisai Anda telah disetujui. Anda akan menerima peringatan keamanan untuk lokasi Anda di sini. Lihat /help untuk apa yang dapat Anda lakukan.
vet-applicant-rejected = Pendaftaran Perisai Anda tidak disetujui. Jika menurut Anda ini keliru, silakan hubungi koordinator program di wilayah Anda.
error-reason-length = Silakan tulis alasan sepanjang 3 sampai { $max } karakter.
error-registration-gone = Pendaftaran itu sudah tidak ada.
error-already-decided = Pendaftaran ini sudah diputuskan.

## Undangan
invite-usage =
    Cara pakai: <code>/invite uses=5 days=7 sector=mall province=JI org="Nama organisasi"</code>
    Semua bagian boleh dilewati: bawaannya satu kali pakai dan 7 hari. Koordinator dengan wilayah terbatas wajib memberi sektor dan provinsi di dalam wilayahnya.
invite-created =
    <b>Kode undangan dibuat</b>
    Kode: <code>{ $code }</code>
    Tautan: { $link }
    Pemakaian: { $uses }, berlaku sampai { $expires }
    Organisasi: { $organisation }
    Sektor: { $sector }
    Provinsi: { $province }
    Bagikan tautan hanya kepada orang yang dituju: siapa pun yang memakainya terdaftar tanpa verifikasi. Kode ini hanya ditampilkan sekali.
error-invite-uses = Jumlah pemakaian harus antara 1 dan { $max }.
error-invite-days = Masa berlaku harus antara 1 dan { $max } hari.
error-invite-scope = Anda hanya dapat membuat undangan untuk sektor dan provinsi di dalam wilayah Anda.

## Penangguhan
suspend-usage = Cara pakai: <code>/suspend #nomor alasan</code> (atau @namapengguna sebagai ganti #nomor).
reinstate-usage = Cara pakai: <code>/reinstate #nomor</code> (atau @namapengguna).
suspend-done = Anggota #{ $number } ({ $name }) ditangguhkan.
reinstate-done = Anggota #{ $number } ({ $name }) aktif kembali.
reinstate-notice = Keanggotaan Perisai Anda aktif kembali. Lihat /help untuk apa yang dapat Anda lakukan.
error-member-ref = “{ $ref }” bukan nomor anggota (#12) atau @namapengguna.
error-member-ambiguous = { $ref } adalah nama pengguna beberapa anggota: { $numbers }. Pakai nomor anggota, mis. /suspend #12 alasan.
error-member-not-found = Tidak ada anggota untuk “{ $ref }”.
error-not-active = Anggota #{ $number } tidak aktif.
error-not-suspended = Anggota #{ $number } tidak sedang ditangguhkan.

## Otorisasi dan kesalahan
error-not-allowed = Anda tidak berwenang melakukan itu.
error-not-on-self = Anda tidak dapat melakukan itu pada diri sendiri.
error-out-of-scope = Anggota itu berada di luar wilayah Anda.
error-already-registered = Anda sudah terdaftar. Lihat /profile.
error-unknown-province = Kode provinsi “{ $code }” tidak dikenal.
error-unknown-sector = Sektor “{ $code }” tidak dikenal.
error-internal = Maaf, terjadi kesalahan dan tindakan terakhir Anda tidak tersimpan. Silakan coba lagi sebentar lagi.
flood-throttled = Anda mengirim pesan lebih cepat daripada yang dapat saya terima, jadi pesan Anda diabaikan untuk sementara. Tunggu { $seconds } detik, lalu kirim lagi yang Anda perlukan.

## Sektor
sector-mall = Pusat perbelanjaan
sector-stadium = Stadion dan arena olahraga
sector-hotel = Hotel
sector-worship = Tempat ibadah
sector-transport = Simpul transportasi
sector-tourism = Objek wisata
sector-nightlife = Hiburan dan kehidupan malam
sector-education = Pendidikan
sector-healthcare = Kesehatan
sector-energy = Energi
sector-water = Air
sector-telecom = Telekomunikasi
sector-finance = Keuangan
sector-government = Fasilitas pemerintah
sector-other = Lainnya

## Provinsi
province-AC = Aceh
province-SU = Sumatera Utara
province-SB = Sumatera Barat
province-RI = Riau
province-KR = Kepulauan Riau
province-JA = Jambi
province-SS = Sumatera Selatan
province-BB = Kepulauan Bangka Belitung
province-BE = Bengkulu
province-LA = Lampung
province-JK = DKI Jakarta
province-JB = Jawa Barat
province-BT = Banten
province-JT = Jawa Tengah
province-YO = DI Yogyakarta
province-JI = Jawa Timur
province-BA = Bali
province-NB = Nusa Tenggara Barat
province-NT = Nusa Tenggara Timur
province-KB = Kalimantan Barat
province-KT = Kalimantan Tengah
province-KS = Kalimantan Selatan
province-KI = Kalimantan Timur
province-KU = Kalimantan Utara
province-SA = Sulawesi Utara
province-GO = Gorontalo
province-ST = Sulawesi Tengah
province-SR = Sulawesi Barat
province-SN = Sulawesi Selatan
province-SG = Sulawesi Tenggara
province-MA = Maluku
province-MU = Maluku Utara
province-PA = Papua
province-PB = Papua Barat
province-PS = Papua Selatan
province-PT = Papua Tengah
province-PE = Papua Pegunungan
province-PD = Papua Barat Daya

## Peringatan: perintah
cmd-advisory = Tulis peringatan keamanan
cmd-advisories = Peringatan: terbaru, atau yang ditujukan kepada Anda

## Peringatan: pesan yang dibaca penerima
adv-exercise-marker = 🟦🟦 <b>LATIHAN — LATIHAN — LATIHAN</b> 🟦🟦 Ini simulasi, bukan ancaman nyata.
adv-emergency-marker = ⚠️ <b>RILIS DARURAT</b> oleh satu administrator, tanpa persetujuan kedua seperti biasa.
adv-tlp-line = { $icon } <b>TLP:{ $tlp }</b> — { $meaning }
tlp-clear = boleh dibagikan secara bebas.
tlp-green = boleh dibagikan di organisasi Anda dan komunitas keamanan, tidak untuk publik.
tlp-amber = hanya untuk organisasi Anda dan pihak yang memerlukannya untuk perlindungan. Jangan diteruskan.
tlp-amber-strict = hanya untuk organisasi Anda sendiri. Jangan diteruskan.
tlp-red = hanya untuk Anda. Jangan diteruskan atau diceritakan kepada siapa pun.
adv-heading =
    <b>{ $title }</b>
    Tingkat bahaya: { $severity } · Urgensi: { $urgency } · Kepastian: { $certainty }
severity-extreme = Ekstrem
severity-severe = Berat
severity-moderate = Sedang
severity-minor = Ringan
urgency-immediate = Segera
urgency-expected = Diperkirakan
urgency-future = Mendatang
certainty-observed = Teramati
certainty-likely = Mungkin sekali
certainty-possible = Mungkin
certainty-unlikely = Kecil kemungkinan
adv-actions =
    <b>Tindakan yang disarankan</b>
    { $actions }
adv-footer = <i>Peringatan #{ $number }, versi { $version }. Berlaku sampai { $expires }.</i>
btn-acknowledge = ✅ Konfirmasi diterima
btn-acknowledged = ✅ Dikonfirmasi { $time }
adv-acknowledged = Konfirmasi tercatat. Terima kasih.
adv-cancelled-notice = ❌ <b>DIBATALKAN:</b> peringatan #{ $number } “{ $title }” ditarik. Abaikan peringatan itu.
adv-cancelled-notice-maybe = ❌ <b>DIBATALKAN:</b> peringatan #{ $number } “{ $title }” ditarik. Jika Anda menerimanya, abaikan peringatan itu.

## Peringatan: menyusun
adv-compose-intro = Peringatan baru. Jawab setiap pertanyaan; /cancel untuk berhenti. Tidak ada yang dikirim sebelum disetujui koordinator kedua.
adv-ask-title = Judul (5 sampai 150 karakter)?
adv-ask-body = Isi peringatan (paling banyak { $max } karakter)?
adv-ask-severity = Tingkat bahaya?
adv-ask-urgency = Urgensi?
adv-ask-certainty = Kepastian?
adv-ask-actions = Tindakan yang disarankan untuk lokasi (ketik), atau lewati?
adv-ask-tlp = Label penanganan (TLP)? AMBER dan RED tidak dapat diteruskan.
adv-ask-sectors =
    Sektor mana? Ketuk untuk memilih, lalu Selesai (tidak memilih = semua sektor).
    { $chosen }
adv-ask-provinces =
    Provinsi mana? Ketuk untuk memilih, lalu Selesai (tidak memilih = semua provinsi).
    { $chosen }
adv-ask-members = TLP:RED hanya untuk anggota yang disebut. Ketik nomor anggota mereka, misalnya #12 #31.
adv-ask-expiry = Berlaku berapa lama?
adv-ask-ack = Apakah penerima wajib mengonfirmasi?
adv-ask-mode = Peringatan nyata atau latihan?
adv-option-actions-skip = Lewati
adv-option-expiry-6 = 6 jam
adv-option-expiry-24 = 24 jam
adv-option-expiry-72 = 3 hari
adv-option-expiry-168 = 7 hari
adv-option-ack-yes = Ya, wajib konfirmasi
adv-option-ack-no = Tidak
adv-option-mode-actual = Nyata
adv-option-mode-exercise = Latihan
adv-option-preview-submit = 📤 Ajukan untuk persetujuan
adv-option-preview-emergency = ⚠️ Rilis darurat sekarang
adv-option-preview-cancel = ✖️ Buang
btn-all = Semua
btn-done = Selesai ▶️
all-sectors = semua sektor
all-provinces = semua provinsi
adv-audience = Penerima: { $sectors } di { $provinces }.
adv-audience-named = Penerima: anggota yang disebut { $members }.
adv-preview =
    ⬆️ Beginilah tepatnya yang akan dilihat penerima.
    { $audience }
    Jumlah penerima saat ini: <b>{ $recipients }</b>.
adv-compose-cancelled = Peringatan dibuang; tidak ada yang dikirim.
adv-submitted = Peringatan #{ $number } diajukan. { $reviewers ->
        [0] Belum ada koordinator lain untuk penerima ini: administrator harus menyetujuinya.
       *[other] { $reviewers } koordinator diminta menyetujuinya.
    }
adv-released-emergency = Dirilis dengan prosedur darurat kepada { $recipients } penerima.
adv-review =
    <b>Peringatan #{ $number } menunggu persetujuan Anda</b> (ditulis oleh { $author }).
    { $audience }
    Menyetujui berarti langsung merilisnya.
adv-ask-reject-reason = Mengapa peringatan #{ $number } ditolak? Ketik alasannya untuk penulis, atau /cancel.
adv-approved = Disetujui dan dirilis kepada { $recipients } penerima.
adv-author-released = Peringatan Anda #{ $number } disetujui oleh { $by } dan sedang dikirim kepada { $recipients } penerima.
adv-rejected = Peringatan #{ $number } ditolak; penulis sudah diberi tahu.
adv-author-rejected = Peringatan Anda #{ $number } ditolak: { $reason }

## Peringatan: tampilan
adv-none = Belum ada peringatan.
adv-none-active = Tidak ada peringatan aktif yang ditujukan kepada Anda.
adv-list-header = <b>Peringatan terbaru</b> (ketuk nomor untuk statusnya):
adv-list-line = #{ $number } [{ $state }] TLP:{ $tlp } — { $title }
adv-state-draft = draf
adv-state-submitted = menunggu persetujuan
adv-state-released = dirilis
adv-state-rejected = ditolak
adv-state-cancelled = dibatalkan
adv-status =
    <b>Peringatan #{ $number }</b> — { $title } [{ $state }]
    Penerima: { $total } · antre { $queued } · terkirim { $sent } · gagal { $failed } · tak terjangkau { $unreachable } · tak dikirim (dibatalkan) { $cancelled }
    Dikonfirmasi: { $acknowledged } ({ $rate })
    Pengiriman pertama: { $first } · terakhir: { $last }
    Per provinsi:
    { $provinces }
adv-status-province = { $province }: { $sent }/{ $total } terkirim, { $acknowledged } dikonfirmasi
btn-cancel-advisory = ❌ Batalkan peringatan ini
adv-cancel-confirm = Batalkan peringatan #{ $number }? Semua yang menerimanya akan mendapat pemberitahuan pembatalan. Ketuk sekali lagi untuk memastikan.
adv-cancelled = Peringatan #{ $number } dibatalkan; { $notices } pemberitahuan pembatalan sedang dikirim.

## Peringatan: penolakan
error-advisory-members = Ketik 1 sampai { $max } nomor anggota, misalnya #12 #31.
error-advisory-unknown-members = Ini bukan anggota aktif: { $numbers }.
error-advisory-too-long = Pesan jadinya akan lebih panjang dari batas Telegram (4096 karakter). Silakan kirim teks yang lebih pendek.
error-advisory-gone = Peringatan itu sudah tidak ada.
error-advisory-scope = Penerima itu berada di luar wilayah Anda.
error-emergency-not-allowed = Rilis darurat hanya untuk administrator, dan hanya untuk peringatan Ekstrem dan Segera.
error-advisory-own = Anda tidak dapat menyetujui peringatan Anda sendiri: koordinator kedua harus menyetujuinya.
error-advisory-decided = Peringatan ini sudah diputuskan.
error-advisory-not-yours = Peringatan itu tidak ditujukan kepada Anda.
error-advisory-cancelled = Peringatan itu sudah dibatalkan.
error-advisory-not-cancellable = Hanya peringatan yang diajukan atau dirilis yang dapat dibatalkan.

## Peringatan: pengingat dan eskalasi
adv-reminder = ⏰ Pengingat: mohon konfirmasi peringatan #{ $number } “{ $title }”.
adv-escalation =
    ⚠️ <b>Peringatan #{ $number }</b> “{ $title }”: { $count } penerima belum mengonfirmasi setelah pengingat terakhir.
    { $lines }
    { $more ->
        [0] {""}
       *[other] …dan { $more } lainnya.
    }
adv-escalation-province = <b>{ $province }</b> ({ $count }):
adv-escalation-person = • #{ $number } { $name } — { $organisation }
btn-export = ⬇️ CSV penerima
btn-compliance-export = ⬇️ CSV check-in
adv-export-caption = Peringatan #{ $number }: pengiriman dan konfirmasi { $count } penerima. Data pribadi: simpan hanya di dalam program.
btn-update-advisory = ✏️ Perbarui (versi baru)
adv-update-intro = Versi baru peringatan #{ $number }. Versi ini dikirim kepada semua yang sudah menerimanya, sebagai balasan atas salinan mereka, setelah disetujui koordinator kedua. Ketuk “Tetap” untuk membiarkan teks seperti semula.
adv-option-title-keep = Tetap, judul yang sama
adv-option-body-keep = Tetap, isi yang sama
adv-option-actions-keep = Tetap, tindakan yang sama
error-advisory-not-updatable = Hanya peringatan yang sudah dirilis yang dapat diperbarui.
error-advisory-not-latest = Ada versi yang lebih baru dari peringatan ini: perbarui versi itu.

## Check-in langkah pengamanan
cmd-checkin = Mulai check-in sewaktu-waktu
cmd-compliance = Kepatuhan check-in di wilayah Anda
cmd-schedules = Check-in berkala
checkin-header =
    📋 <b>Check-in langkah pengamanan</b>
    { $site } · { $sector } · { $province }
    Jawab paling lambat: { $deadline }
checkin-item = { $mark } { $number }. { $text }{ $critical ->
        [yes] {" "}❗
       *[no] {""}
    }
checkin-item-note = {"    "}📝 { $note }
checkin-progress = Terjawab { $done } dari { $total }. ❗ = langkah kritis.
checkin-ask = 👉 <b>{ $number }. { $item }</b> Sudah diterapkan?
checkin-ask-note-critical = ✍️ Butir { $number } bersifat kritis: ketik catatan singkat tentang apa yang kurang dan apa yang Anda lakukan. Koordinator Anda langsung diberi tahu.
checkin-ask-note = ✍️ Ketik catatan Anda untuk butir { $number }.
checkin-ready = Semua butir terjawab. Periksa, lalu ketuk Kirim.
checkin-submitted = ✅ Dikirim { $at }. Terima kasih.
checkin-submitted-late = ✅ Dikirim { $at }, melewati batas waktu.
btn-checkin-y = ✅ Ya
btn-checkin-n = ❌ Tidak
btn-checkin-a = ➖ T/A
btn-checkin-back = ◀️ Kembali
btn-checkin-note = 📝 Catatan butir { $number }
btn-checkin-submit = 📤 Kirim
checkin-type-note = Ketik catatan untuk butir { $number } sebagai pesan.
checkin-thanks = Terkirim. Terima kasih.
checkin-note-saved = Catatan disimpan.
checkin-reminder = ⏰ Pengingat: check-in untuk <b>{ $site }</b> harus dijawab paling lambat { $deadline }. Silakan jawab daftar periksa di atas.
checkin-critical-alert =
    🚨 <b>Langkah pengamanan kritis tidak terpenuhi</b>
    Lokasi: { $site } · { $sector } · { $province }
    Butir { $number }: { $item }
    Catatan: { $note }
    Operator: { $operator } (#{ $member }), { $phone }
checkin-overdue =
    ⏰ <b>Putaran check-in #{ $round }</b>: { $count } lokasi di wilayah Anda belum mengirim sampai { $deadline }.
    { $lines }
    { $more ->
        [0] {""}
       *[other] …dan { $more } lainnya.
    }
checkin-overdue-site = • { $site } ({ $province }): { $operator } (#{ $member })
checkin-error-cron = “{ $cron }” bukan ekspresi cron yang sah: lima kolom, menit jam tanggal bulan hari, mis. <code>0 8 * * 1</code> untuk Senin 08.00.
checkin-error-name = Nama harus 1 sampai { $max } karakter.
checkin-error-deadline = Batas waktu harus { $low } sampai { $high } jam.
checkin-error-schedule-not-found = Tidak ada jadwal aktif #{ $number }.
checkin-error-audience = Sektor atau provinsi tidak dikenal: { $value }.
checkin-error-scope = Sasaran itu di luar wilayah Anda.
checkin-error-no-sites = Tidak ada lokasi aktif yang cocok dengan sasaran itu.
checkin-error-not-yours = Check-in itu bukan untuk Anda jawab.
checkin-error-submitted = Check-in ini sudah dikirim.
checkin-error-incomplete = Jawab semua butir sebelum mengirim.
checkin-error-note-empty = Catatannya kosong. Silakan ketik apa yang kurang.
checkin-error-note-long = Catatan { $length } karakter; paling banyak { $max }. Silakan persingkat dan kirim lagi.
checkin-launch-sectors = 📋 <b>Check-in sewaktu-waktu.</b> Sektor mana? Ketuk untuk memilih, lalu Selesai (tidak memilih = semua di wilayah Anda).
checkin-launch-provinces = Provinsi mana? Ketuk untuk memilih, lalu Selesai (tidak memilih = semua di wilayah Anda).
checkin-launch-hours = { $hours } jam
checkin-launch-deadline = Berapa lama lokasi boleh menjawab?
checkin-launch-confirm =
    Mulai check-in untuk { $sectors } di { $provinces }?
    { $count } lokasi akan menerima daftar periksanya, untuk dijawab dalam { $hours } jam.
btn-checkin-launch = ▶️ Mulai
btn-checkin-cancel = ✖️ Batal
checkin-launch-cancelled = Check-in tidak dimulai.
checkin-launched = ✅ Putaran check-in #{ $round } dimulai untuk { $count } lokasi, batas { $deadline }. Pantau dengan /compliance.
compliance-none = Belum ada putaran check-in di wilayah Anda.
compliance-last-round = 📊 <b>Putaran terakhir #{ $round }</b> (mulai { $scheduled }, batas { $deadline }):
compliance-area = • { $sector }, { $province }: { $rate }
compliance-rate = { $submitted }/{ $total } terkirim ({ $percent }%){ $late ->
        [0] {""}
       *[other] , { $late } terlambat
    }
compliance-weekly = <b>Per minggu, { $weeks } minggu terakhir:</b>
compliance-week = • minggu { $week }: { $rate }
compliance-top-no = <b>Paling sering tidak terpenuhi:</b>
compliance-no-item = • { $item }: Tidak { $no } dari { $answered }
compliance-overdue = <b>Lokasi terlambat:</b> { $count }
compliance-overdue-site = • { $site } (lokasi #{ $number }, { $province }): { $operator }, batas { $deadline }
compliance-hint = Riwayat satu lokasi: <code>/compliance nomor-lokasi</code>.
compliance-usage = Cara pakai: <code>/compliance</code> untuk wilayah Anda, atau <code>/compliance 12</code> untuk lokasi #12.
compliance-site = 📍 <b>{ $site }</b> (lokasi #{ $number }) · { $sector } · { $province }
compliance-site-empty = Belum ada check-in untuk lokasi ini.
compliance-site-round = • Putaran #{ $round }, { $scheduled }: { $state }
compliance-site-no = {"    "}❌ { $number }. { $item } — { $note }
compliance-state-on-time = dikirim tepat waktu
compliance-state-late = dikirim terlambat
compliance-state-missed = tidak dikirim
compliance-state-open = masih terbuka
compliance-error-site = Tidak ada lokasi #{ $number }.
compliance-error-site-scope = Lokasi itu di luar wilayah Anda.
compliance-export-caption = Check-in { $weeks } minggu terakhir: { $count } baris. Data pribadi: simpan di dalam program.
schedules-none = Belum ada check-in berkala. Administrator menambahkannya dengan <code>perisai schedules add</code>.
schedules-header = 🗓 <b>Check-in berkala</b> (waktu setempat tiap lokasi):
schedules-line = • #{ $number } { $name }: <code>{ $cron }</code> · { $sectors } · { $provinces } · { $hours } jam untuk menjawab. Berikutnya: { $next }
## Laporan aktivitas mencurigakan
cmd-report = Laporkan aktivitas mencurigakan
cmd-reports = Laporan (milik Anda, atau di wilayah Anda)
btn-report = 🚨 Lapor
btn-share-location = 📍 Kirim lokasi saya sekarang
report-intro = ☎️ <b>Jika ada orang dalam bahaya sekarang, telepon 112 (polisi 110) lebih dulu.</b> Lalu laporkan di sini apa yang Anda lihat; koordinator yang bertanggung jawab atas lokasi itu akan segera menerimanya. /cancel menghentikan laporan kapan saja.
report-emergency =
    🚨 <b>TELEPON 112 SEKARANG</b> (polisi: <b>110</b>).
    Selamatkan diri dan orang lain lebih dulu. Laporan ini tidak menggantikan panggilan darurat; lanjutkan di bawah setelah Anda aman.
report-emergency-short = 🚨 Jika ada yang dalam bahaya: telepon <b>112</b> (polisi <b>110</b>).
report-resumed = Anda punya laporan yang belum selesai; mari lanjutkan dari langkah terakhir.
report-cancelled = Laporan dibatalkan; tidak ada yang dikirim.
report-ask-urgency = Apakah ada orang dalam bahaya <b>sekarang</b>?
report-option-urgency-yes = 🚨 Ya, ada bahaya sekarang
report-option-urgency-no = Tidak, tidak ada bahaya langsung
report-ask-category =
    Apa yang Anda amati? Pilih yang paling mendekati:
    { $legend }
report-group-criminal = tindak pidana atau ancaman
report-group-precursor = perilaku yang perlu diperiksa
report-group-other = lainnya
report-cat-breach = Penerobosan atau upaya masuk
report-cat-misrep = Penyamaran, identitas palsu
report-cat-theft = Pencurian, kehilangan, penyimpangan
report-cat-sabotage = Sabotase, perusakan
report-cat-cyber = Serangan siber
report-cat-threat = Ancaman terucap atau tersirat
report-cat-aviation = Aktivitas udara, termasuk drone
report-cat-eliciting = Mengorek informasi
report-cat-probing = Menguji atau menyelidiki pengamanan
report-cat-recruiting = Perekrutan atau pendanaan
report-cat-photography = Pemotretan
report-cat-surveillance = Pengamatan atau pengintaian
report-cat-materials = Pengadaan atau penyimpanan bahan
report-cat-expertise = Mencari keahlian
report-cat-weapons = Penemuan atau pengumpulan senjata
report-cat-sector = Kejadian khusus sektor
report-cat-other = Lainnya
report-ask-description =
    Apa yang terjadi? Tuliskan perilakunya: apa yang dilakukan, berapa lama, apa yang menarik perhatian Anda (paling banyak { $max } karakter).
    <i>Penampilan, suku, agama, atau jenis kelamin bukan tanda ancaman; laporkan perilaku.</i>
report-ask-where = Di mana? Pilih salah satu lokasi Anda, atau kirim lokasi (📎 › Lokasi), atau ketik alamatnya.
report-option-where-elsewhere = 📍 Tempat lain
report-ask-place = Kirim lokasinya dengan tombol di bawah (atau 📎 › Lokasi), atau ketik alamat atau nama tempatnya.
report-ask-province = Di provinsi mana?
report-ask-when = Kapan?
report-option-when-now = Sekarang, masih berlangsung
report-option-when-hour = Dalam satu jam terakhir
report-option-when-today = Tadi, hari ini
report-option-when-earlier = Lebih awal (ketik waktunya)
report-when-text = { $text }
report-ask-when-text = Kapan tepatnya? Ketik tanggal dan jamnya, misalnya "kemarin 21.30".
report-ask-people =
    Orang atau kendaraan yang terlibat? Jumlah, pakaian, barang bawaan, arah pergi; kendaraan: jenis, warna, nomor polisi.
    <i>Penampilan, suku, agama, atau jenis kelamin bukan tanda ancaman; laporkan perilaku.</i>
report-option-people-skip = Lewati
report-ask-media = Foto, video, atau dokumen? Kirim di sini (sudah { $count } dari paling banyak { $max }, masing-masing paling besar { $mb } MB), lalu tekan Selesai.
report-option-media-done = Selesai ▶️
report-attached = 📎 Lampiran diterima ({ $count }/{ $max }).
report-review =
    <b>Periksa laporan Anda</b>
    { $urgency }
    Jenis: { $category }
    Tempat: { $place }
    Waktu: { $when }
    Lampiran: { $attachments }
report-review-immediate = 🚨 <b>Ada bahaya sekarang</b>
report-review-later = Tidak ada bahaya langsung
report-option-review-submit = ✅ Kirim laporan
report-option-review-cancel = ✖️ Batal
report-submitted = ✅ Laporan #{ $number } diterima dan diteruskan kepada { $coordinators } koordinator. Anda akan diberi tahu setiap perkembangannya di sini.
report-media-no-draft = Untuk mengirim foto, video, dokumen, atau lokasi kepada koordinator, mulai laporan dengan /report atau tombol 🚨 Lapor.
error-report-unsupported = Itu tidak dapat dipakai di sini. Laporan menerima teks, foto, video, dan dokumen (PDF, gambar, video, teks; masing-masing paling besar { $mb } MB), dan lokasi pada langkah "di mana". Laporan Anda tetap tersimpan.
error-report-too-large = Berkas itu lebih besar dari { $mb } MB. Kirim yang lebih kecil; laporan Anda tetap tersimpan.
error-report-too-many = Laporan sudah berisi { $max } lampiran, batasnya. Tekan Selesai untuk melanjutkan; laporan Anda tetap tersimpan.
error-report-location-here = Lokasi hanya dapat dikirim pada langkah "di mana".
error-report-rate = Anda sudah mengirim { $max } laporan dalam satu jam terakhir, batasnya. Laporan ini tetap tersimpan: kirim lagi nanti. Jika ada yang dalam bahaya, telepon 112 (polisi 110).
error-report-scope = Laporan itu di luar wilayah Anda.
error-report-gone = Laporan itu tidak ada.
error-report-closed = Laporan #{ $number } sudah ditutup.
error-report-state = Laporan #{ $number } sudah berstatus { $state }.
error-report-reporter-gone = Pelapor tidak lagi aktif; pertanyaan tidak dapat dikirim.
error-report-filter = “{ $arg }” bukan penyaring yang dikenal. Contoh: <code>/reports province=JI sector=mall category=photography</code>

## Laporan: koordinator
report-state-new = Baru
report-state-acknowledged = Diterima koordinator
report-state-in_progress = Sedang ditangani
report-state-escalated = Diteruskan ke polisi
report-state-closed = Ditutup
report-closure-resolved = Selesai
report-closure-unfounded = Tidak terbukti
report-closure-duplicate = Duplikat
report-closure-none = -
report-card-immediate = 🚨 <b>SEGERA: pelapor menyatakan ada orang dalam bahaya sekarang</b>
report-card =
    <b>Laporan aktivitas mencurigakan #{ $number }</b>
    Jenis: { $category }
    Tempat: { $place }
    Waktu: { $when } (dilaporkan { $submitted })
    Lampiran: { $attachments }
    Pelapor: { $reporter } (#{ $member }), { $organisation }, { $phone }, { $username }
    Status: { $state }
report-place-site = { $name }
report-place-location = 📍 <a href="https://maps.google.com/?q={ $latitude },{ $longitude }">{ $latitude }, { $longitude }</a>
report-place-area = { $sector }, { $province }
report-attachment-caption = Laporan #{ $number } · { $index }/{ $total }
btn-report-ack = 👀 Terima
btn-report-take = 🙋 Saya tangani
btn-report-ask = ❓ Tanya pelapor
btn-report-escalate = 🚓 Teruskan ke polisi
btn-report-close = ✔️ Tutup
btn-report-history = 📜 Riwayat
btn-report-advisory = 📝 Buat peringatan
btn-report-export = ⬇️ CSV laporan
btn-report-no-note = Tanpa catatan
report-colleague-changed = Laporan #{ $number }: { $state } (oleh { $by }).
report-changed = Laporan #{ $number }: { $state }.
report-ask-question = Ketik pertanyaan untuk pelapor laporan #{ $number } (pelapor tidak melihat nama Anda), atau /cancel.
report-question-sent = Pertanyaan dikirim kepada pelapor laporan #{ $number }; jawabannya akan Anda terima di sini.
report-ask-note = Laporan #{ $number } → { $state }. Ketik catatan internal (tidak ditunjukkan kepada pelapor), atau tekan Tanpa catatan.
report-ask-closure = Tutup laporan #{ $number } sebagai:
report-history-header = <b>Riwayat laporan #{ $number }</b>
report-history-line = { $at } · { $who }: { $what }
report-history-state = status → { $state }
report-history-submitted = mengirim laporan
report-history-question = bertanya kepada pelapor
report-history-answer = menjawab
report-history-advisory = memulai draf peringatan dari laporan ini
report-list-header = <b>Laporan terbuka di wilayah Anda: { $total }</b> (yang mendesak dulu, lalu yang paling lama)
report-list-line = #{ $number } { $urgent }{ $category } · { $province } · { $sector } · { $state } · { $submitted }
report-export-caption = { $count } laporan. Data pribadi: simpan di dalam program.
report-advisory-title-many = { $category }: { $count } laporan yang berkaitan
report-advisory-body-many = Dilaporkan { $count } kejadian yang berkaitan:
btn-report-advisory-many = 📝 Buat peringatan dari laporan ini
error-report-advisory-count = Sebuah draf peringatan dibuat dari 1 sampai { $max } laporan.
report-advisory-intro =
    Draf peringatan dari laporan #{ $number }, untuk sektor dan provinsi laporan itu (dapat diubah nanti). Usulan judul: <b>{ $title }</b>
    Usulan isi:
report-advisory-title = { $category } di { $province }
report-advisory-body = Dilaporkan: { $category } di sekitar lokasi { $sector }, { $province }.

## Laporan: kepada pelapor
report-notice-acknowledged = Laporan #{ $number } Anda sudah diterima koordinator.
report-notice-in_progress = Laporan #{ $number } Anda sedang ditangani koordinator.
report-notice-escalated = Laporan #{ $number } Anda sudah diteruskan ke polisi.
report-notice-closed = Laporan #{ $number } Anda ditutup: { $closure }. Terima kasih atas kewaspadaan Anda.
report-question = ❓ Koordinator bertanya tentang laporan #{ $number } Anda:
report-question-hint = <i>Balas pesan ini dengan jawaban Anda.</i>
report-answer-hint = Jawaban Anda
report-answer-sent = Terima kasih, jawaban Anda sudah diteruskan (laporan #{ $number }).
report-answer-forward = 💬 <b>Jawaban pelapor, laporan #{ $number }</b>
report-label-question = Pertanyaan:
report-label-answer = Jawaban:
report-label-description = Kejadian:
report-label-people = Orang/kendaraan:
report-none-mine = Anda belum mengirim laporan. Kirim /report atau tekan 🚨 Lapor.
report-mine-header = <b>Laporan Anda</b>
report-mine-line = #{ $number } { $category } · { $state } · { $submitted }
