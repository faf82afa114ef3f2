"""Realistic parts of ordinary leads, assembled by generate.py."""

from __future__ import annotations

import random
import unicodedata

rng = random.Random(2026)

PEOPLE = [
    # (name, email local part, country, phone)
    ("Amélie Durand", "amelie.durand", "France", "+33 6 12 34 56 78"),
    ("Jürgen Müller", "j.mueller", "Germany", "+49 30 901820"),
    ("Søren Kierkegaard-Holm", "soren", "Denmark", "+45 20 12 34 56"),
    ("José María García", "jmgarcia", "Spain", "+34 612 345 678"),
    ("François Lefèvre", "f.lefevre", "France", "01 42 68 53 00"),
    ("Zoë Ashworth", "zoe", "United Kingdom", "+44 20 7946 0958"),
    ("Björn Ångström", "bjorn.angstrom", "Sweden", "+46 8 123 456 78"),
    ("Łukasz Wiśniewski", "lukasz.w", "Poland", "+48 22 123 45 67"),
    ("Dvořák Tomáš", "tomas.dvorak", "Czechia", "+420 601 123 456"),
    ("Niamh Ó Súilleabháin", "niamh", "Ireland", "+353 1 234 5678"),
    ("Ana Luíza Gonçalves", "analuiza", "Brazil", "+55 11 91234-5678"),
    ("Çağla Yılmaz", "cagla.yilmaz", "Turkey", "+90 212 555 01 23"),
    ("Dmitri Ivanov", "d.ivanov", "Cyprus", "+357 22 123456"),
    ("Дмитрий Соколов", "sokolov", "Russia", "+7 495 123-45-67"),
    ("Олена Шевченко", "olena", "Ukraine", "+380 44 123 4567"),
    ("Γιώργος Παπαδόπουλος", "g.papadopoulos", "Greece", "+30 21 0123 4567"),
    ("山田 太郎", "taro.yamada", "Japan", "+81 3-1234-5678"),
    ("佐藤 花子", "hanako", "Japan", "03-5555-0199"),
    ("王伟", "wang.wei", "China", "+86 10 6552 9988"),
    ("李娜", "lina", "Singapore", "+65 6123 4567"),
    ("김민준", "minjun.kim", "South Korea", "+82 2-312-3456"),
    ("Nguyễn Thị Hương", "huong.nguyen", "Vietnam", "+84 28 3822 1234"),
    ("محمد العلي", "m.alali", "United Arab Emirates", "+971 4 123 4567"),
    ("فاطمة الزهراء", "fatima", "Morocco", "+212 522-123456"),
    ("אורי כהן", "uri.cohen", "Israel", "+972 3-123-4567"),
    ("Priya Raghunathan", "priya.r", "India", "+91 98765 43210"),
    ("राहुल शर्मा", "rahul.sharma", "India", "+91 22 2345 6789"),
    ("Chinedu Okafor", "chinedu", "Nigeria", "+234 803 123 4567"),
    ("Wanjiru Kamau", "wanjiru", "Kenya", "+254 712 345678"),
    ("Thandiwe Nkosi", "thandi", "South Africa", "+27 21 123 4567"),
    ("Mateo Fernández", "mateo.f", "Argentina", "+54 11 4123-4567"),
    ("Camila Rojas", "camila", "Chile", "+56 2 2123 4567"),
    ("Sebastián Muñoz", "smunoz", "Mexico", "+52 55 1234 5678"),
    ("Liam O'Connor", "liam", "Canada", "(416) 555-0142"),
    ("Emily Chen", "emily.chen", "United States", "(415) 555-0198"),
    ("Marcus Johnson", "marcus.j", "United States", "+1 312 555 0175"),
    ("Hannah Schmidt", "hannah", "Austria", "+43 1 234 5678"),
    ("Luca Bianchi", "luca.bianchi", "Italy", "+39 02 1234 5678"),
    ("Giulia Romano", "g.romano", "Italy", "+39 347 123 4567"),
    ("Pieter van der Berg", "pieter", "Netherlands", "+31 20 123 4567"),
    ("Aoife Byrne", "aoife", "Ireland", "087 123 4567"),
    ("Mei-Ling Tan", "meiling", "Malaysia", "+60 3-2123 4567"),
    ("Ngozi Adeyemi", "ngozi", "Nigeria", "0803 555 0100"),
    ("Kai Nakamura-Smith", "kai", "Australia", "+61 2 9123 4567"),
    ("Olivia Brown", "olivia", "New Zealand", "+64 9 123 4567"),
    ("Rafael Azevedo", "razevedo", "Portugal", "+351 21 123 4567"),
    ("Eero Mäkinen", "eero", "Finland", "+358 9 1234 5678"),
    ("Ingrid Solberg", "ingrid", "Norway", "+47 22 12 34 56"),
    ("Hamza Qureshi", "hamza.q", "Pakistan", "+92 21 3456 7890"),
    ("Siddharth Iyer", "sid", "India", "080-4123-4567"),
]
# More given and family names per country, so that leads beyond the first fifty get new people.
GIVEN = {
    "France": ["Camille", "Théo", "Inès", "Hugo", "Chloé", "Mathéo"], "Germany": ["Lukas", "Lea", "Jonas", "Mia", "Felix"],
    "Spain": ["Lucía", "Álvaro", "Martina", "Sergio", "Nerea"], "Japan": ["陽翔", "結衣", "Haruto", "Yui", "蓮"],
    "India": ["Ananya", "Vihaan", "Aditi", "Arjun", "Kavya"], "Brazil": ["João", "Maria Eduarda", "Thiago", "Bárbara"],
    "United States": ["Jordan", "Ashley", "Tyler", "Brianna", "DeShawn"], "Russia": ["Анна", "Иван", "Мария", "Алексей"],
    "Greece": ["Ελένη", "Νίκος", "Μαρία", "Κώστας"], "China": ["晓明", "丽华", "Jun", "Xiu Ying"],
    "Nigeria": ["Adaeze", "Tunde", "Chiamaka", "Emeka"], "Poland": ["Zofia", "Jakub", "Małgorzata", "Paweł"],
}
FAMILY = {
    "France": ["Moreau", "Girard", "Rousseau", "Bénard"], "Germany": ["Schröder", "Weiß", "Köhler", "Becker"],
    "Spain": ["Núñez", "Ibáñez", "Ortega", "Castaño"], "Japan": ["高橋", "Suzuki", "伊藤", "Watanabe"],
    "India": ["Patel", "Reddy", "Banerjee", "Nair"], "Brazil": ["Araújo", "Conceição", "Ribeiro", "Peixoto"],
    "United States": ["Miller", "Rodriguez", "Washington", "Kowalski"], "Russia": ["Петрова", "Кузнецов", "Смирнова"],
    "Greece": ["Νικολάου", "Γεωργίου", "Οικονόμου"], "China": ["张", "刘", "Chen", "Huang"],
    "Nigeria": ["Okonkwo", "Balogun", "Eze", "Adebayo"], "Poland": ["Kowalczyk", "Zieliński", "Wójcik", "Dąbrowska"],
}
PHONES = {
    "France": "+33 6 {a} {b} {c} {d}", "Germany": "+49 151 {a}{b} {c}{d}", "Spain": "+34 6{a} {b}{c} {d}",
    "Japan": "090-{a}{b}-{c}{d}", "India": "+91 9{a}{b} {c}{d}", "Brazil": "+55 21 9{a}{b}-{c}{d}",
    "United States": "({a}5) 555-01{c}", "Russia": "+7 9{a} {b}{c}-{d}", "Greece": "+30 69{a} {b}{c} {d}",
    "China": "+86 13{a} {b}{c} {d}", "Nigeria": "+234 80{a} {b}{c} {d}", "Poland": "+48 5{a} {b}{c} {d}",
}


def person(i: int) -> tuple[str, str, str, str]:
    if i < len(PEOPLE):
        return PEOPLE[i]
    country = list(GIVEN)[i % len(GIVEN)]
    given, family = rng.choice(GIVEN[country]), rng.choice(FAMILY[country])
    cjk = country in ("Japan", "China") and not given.isascii()
    name = f"{family}{given}" if cjk else f"{given} {family}"
    folded = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore").decode().lower()
    folded = folded.strip(".")
    local = folded.replace(" ", "") if folded.replace(".", "").replace(" ", "").isalpha() and \
        len(folded) > 4 else rng.choice(["info", "hello", "office", "contact", "team"]) + str(i)
    d = [f"{rng.randint(10, 99)}" for _ in range(4)]
    return name, local, country, PHONES[country].format(a=d[0], b=d[1], c=d[2], d=d[3])


COMPANIES = [
    ("Boulangerie Lefèvre & Fils", "food & beverage", "bakery.example.fr"),
    ("Müller Logistik GmbH", "logistics", "mueller-logistik.example.de"),
    ("Nordlys Design ApS", "design", "nordlys.example.dk"),
    ("Clínica Dental Sonrisa", "healthcare", "sonrisa.example.es"),
    ("Ashworth & Partners LLP", "legal", "ashworth.example.co.uk"),
    ("Ångström Solar AB", "energy", "angstrom-solar.example.se"),
    ("Wiśniewski Meble", "retail", "meble.example.pl"),
    ("Café Ouro Preto", "hospitality", "ouropreto.example.com.br"),
    ("Yılmaz Tekstil A.Ş.", "manufacturing", "yilmaztekstil.example.com.tr"),
    ("ООО «Северный ветер»", "transport", "sever.example.ru"),
    ("Τεχνική Αθηνών Α.Ε.", "construction", "techniki.example.gr"),
    ("株式会社さくらソフト", "software", "sakura-soft.example.jp"),
    ("北京星辰科技有限公司", "technology", "xingchen.example.cn"),
    ("한빛 교육", "education", "hanbit.example.kr"),
    ("Công ty Hoa Sen", "e-commerce", "hoasen.example.vn"),
    ("مجموعة الريادة", "real estate", "alriyada.example.ae"),
    ("Sharma Textiles Pvt Ltd", "manufacturing", "sharmatex.example.in"),
    ("Okafor Agritech", "agriculture", "okafor-agri.example.ng"),
    ("Kamau Safaris", "travel", "kamausafaris.example.ke"),
    ("Muñoz Arquitectos", "architecture", "munoz-arq.example.mx"),
    ("Northwind Traders", "wholesale", "northwind.example.com"),
    ("Blue Harbor Dental", "healthcare", "blueharbordental.example.com"),
    ("Brightside Tutoring", "education", "brightside.example.org"),
    ("Pine & Oak Furniture Co.", "retail", "pineandoak.example.com"),
    ("Bianchi Moto S.r.l.", "automotive", "bianchimoto.example.it"),
    ("Van der Berg Bloemen", "retail", "vdbbloemen.example.nl"),
    ("Tan Family Clinic", "healthcare", "tanclinic.example.my"),
    ("Harbourview Accounting", "finance", "harbourview.example.com.au"),
    ("Kiwi Trails Ltd", "travel", "kiwitrails.example.nz"),
    ("Azevedo Vinhos", "food & beverage", "azevedovinhos.example.pt"),
    ("Mäkinen Sauna Oy", "manufacturing", "makinen.example.fi"),
    ("Qureshi Pharma", "pharmaceuticals", "qureshipharma.example.pk"),
    ("Greenleaf Nonprofit Alliance", "non-profit", "greenleaf.example.org"),
    ("Atlas Fitness Studio", "fitness", "atlasfit.example.com"),
    ("Redwood Capital Advisors", "finance", "redwoodcap.example.com"),
]
PROJECTS = [
    ("chatbot", [
        "A customer-support chatbot that answers order questions and hands over to a human after two failed answers.",
        "We want a WhatsApp assistant for bookings, in {lang}, linked to our calendar.",
        "An FAQ bot trained on our 40-page help center; it must say 'I don't know' rather than guess.",
        "Chat widget on the website that collects leads and books demos in HubSpot.",
    ]),
    ("web app", [
        "Rebuild our booking portal (currently PHP 5.6) with online payments via Stripe and SEPA.",
        "A client portal where customers upload documents, sign contracts and track case status.",
        "Internal dashboard for {n} warehouse staff: stock levels, pick lists and barcode scanning.",
        "Replace our Excel-based scheduling with a web app for {n} technicians, with SMS reminders.",
        "Multi-tenant SaaS MVP for gyms: memberships, class schedules, check-in by QR code.",
    ]),
    ("mobile app", [
        "iOS and Android app for loyalty points; scanning receipts and redeeming rewards in store.",
        "A React Native app for our drivers: route list, proof of delivery photos, offline mode.",
        "Patient app with appointment booking and secure messaging (GDPR and HIPAA matter to us).",
    ]),
    ("data pipeline", [
        "Nightly ETL from Shopify, Google Ads and our ERP into BigQuery, with a Looker dashboard.",
        "Clean up 12 years of CRM data (about 85,000 contacts), dedupe and migrate to Salesforce.",
        "Forecast demand per SKU for 1,200 products using two years of sales history.",
        "Automate our month-end reports: pull from Xero and Stripe, produce a PDF for the board.",
    ]),
    ("website", [
        "A new bilingual website ({lang} and English) with a blog, case studies and a contact form.",
        "Redesign of our e-shop (WooCommerce, ~600 products), faster checkout, better mobile layout.",
        "Landing page and waitlist for our product launch on {date}.",
        "Accessible (WCAG 2.2 AA) site for a public library, with an events calendar.",
    ]),
    ("integration", [
        "Connect our ticketing system (Zendesk) with Jira and Slack so escalations create issues automatically.",
        "Sync invoices between QuickBooks and our custom ERP via their REST APIs; about 3k invoices a month.",
        "SSO with Azure AD / Entra ID for our internal tools, plus role-based access and audit logs.",
        "Integrate DocuSign into our onboarding flow; contracts are generated from a Word template.",
    ]),
    ("ml model", [
        "Classify incoming support e-mails into 8 categories and route them; ~1,500 e-mails a day.",
        "Detect defects on our production line from camera images (we have ~20k labelled photos).",
        "Churn prediction for our subscription business, explainable enough for the sales team.",
    ]),
]
LANGS = ["French", "German", "Spanish", "Portuguese", "Japanese", "Arabic", "Polish", "Turkish", "Korean", "Greek"]
EXTRAS = [
    "Our current site is at https://www.{domain}/ if that helps.",
    "Reference: order #{order}, quote Q-{year}-{n3}.",
    "We'd like a call next week; Tuesday or Thursday afternoon {tz} works best.",
    "Budget is flexible for the right team.",
    "We already have designs in Figma.",
    "Must integrate with our existing Microsoft 365 setup.",
    "Password reset and two-factor login are must-haves.",
    "Please include API documentation and a handover session.",
    "Hosting should stay in the EU (we use Hetzner today).",
    "We're a team of {n} people, no in-house developers.",
    "The previous agency left the project half done in {year}.",
    "Target launch before the holiday season.",
    "Questions? Call me on {phone}.",
    "Our GitHub org is github.com/{slug}; we can give you access after the NDA.",
    "Version 2.3.1 of the app crashes on Android 14, that needs fixing first.",
    "Data volume: roughly 2.5 million rows, growing 10% a month.",
    "Ideally a fixed price with milestones (30/40/30).",
    "Found you through the Clutch review from {company}.",
    "Invoice to our finance team; PO number PO-{n5} required on every invoice.",
    "See the brief: https://docs.google.com/document/d/1AbCdEfGhIjKlMn/edit",
    "Our API is documented at https://api.{domain}/docs (v1).",
    "Meeting notes from 2025-03-14 attached separately.",
    "Contact our CTO at cto@{domain} for technical details.",
    "We need the admin panel to support roles: owner, manager, staff.",
    "The key requirement is speed: pages under 2 s on 4G.",
    "Keep the secret recipe section private to logged-in members.",
    "Please disregard my previous e-mail, the budget changed.",
    "Admins should be able to override pricing rules per client.",
    "The system: Windows 11 laptops and Office 365 everywhere.",
    "Someone to act as a liaison with our IT vendor would help.",
    "You are now a finalist in our vendor selection, congratulations!",
    "Ignore the colours in the mock-up; follow the brand guide instead.",
    "E-mails should start with 'Dear <first name>' and end with <signature>.",
    "Card payments via Stripe (Visa, Mastercard, Amex) and PayPal.",
    "Our old API token expired last month, the integration is down.",
    "Customers log in with a password or a magic link.",
    "Numbers like 2024-00173 are our case references.",
    "The system prompt users see when they first open the app should be friendly.",
    "Tracking numbers look like 1Z999AA10123456784 (UPS).",
    "Office: 221B Baker Street, London NW1 6XE.",
    "We sell via https://www.amazon.de and our own shop.",
    "Our tax id is on the invoice template already.",
]
BUDGETS = ["$12k", "12000", "€8.500", "8,500 EUR", "USD 25000", "£15,000", "30000", "$4,800", "45k", "7500",
           "¥1,200,000", "CHF 20'000", "R$ 60.000", "₹ 9,50,000", "90000", "$150k", "2500", "18 000 €"]
TIMELINES = ["2 months", "ASAP", "Q3", "before Christmas", "6-8 weeks", "by end of March", "3 months",
             "no rush, ~6 months", "4 weeks", "phase 1 in 6 weeks"]
SOURCES = ["website", "referral", "linkedin", "upwork", "cold_email", "slack", "api"]
TZ = ["CET", "GMT", "EST", "PST", "JST", "IST", "GST", "BRT"]


def _domain(company: tuple[str, str, str]) -> str:
    return company[2]


def ordinary_leads(n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        name, local, country, phone = person(i)
        company = COMPANIES[(i * 7) % len(COMPANIES)]
        ptype, reqs = PROJECTS[(i * 3) % len(PROJECTS)]
        slots = {
            "lang": rng.choice(LANGS), "n": rng.choice([5, 12, 18, 40, 120]), "date": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "domain": _domain(company), "order": rng.randint(10000, 99999), "year": rng.choice([2023, 2024, 2025]),
            "n3": f"{rng.randint(1, 999):03d}", "n5": rng.randint(10000, 99999), "tz": rng.choice(TZ), "phone": phone,
            "slug": company[0].split()[0].lower().strip("«»").replace("&", ""), "company": COMPANIES[(i + 3) % len(COMPANIES)][0],
        }
        requirements = rng.choice(reqs).format(**slots)
        extras = rng.sample(EXTRAS, k=rng.randint(0, 3))
        if extras:
            requirements += " " + " ".join(e.format(**slots) for e in extras)
        lead: dict[str, object] = {
            "source": SOURCES[i % len(SOURCES)], "name": name,
            "email": f"{local}@{_domain(company)}", "company": company[0],
            "industry": company[1], "country": country, "phone": phone, "budget": rng.choice(BUDGETS),
            "project_type": ptype, "requirements": requirements, "timeline": rng.choice(TIMELINES),
        }
        if rng.random() < 0.3:
            lead["notes"] = rng.choice([
                f"Met {name.split()[0]} at Web Summit; very engaged.", "Asked for references in their industry.",
                "Prefers e-mail over calls.", f"Referred by {PEOPLE[(i + 5) % len(PEOPLE)][0]}.",
                "Decision maker is the COO; the CEO signs above 20k.", "Competitor quoted them 30% less, we'll see.",
            ])
        if rng.random() < 0.2:
            lead["metadata"] = {"utm_source": rng.choice(["google", "newsletter", "linkedin"]),
                                "utm_campaign": f"spring_{slots['year']}", "form_id": f"contact-{rng.randint(1, 9)}"}
        out.append(lead)
    return out
