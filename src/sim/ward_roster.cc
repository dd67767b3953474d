// Fictional patients for the demo ward. Any resemblance to real persons is coincidental.
#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <vector>

#include "sim/rng.h"
#include "sim/ward_builder.h"

namespace lj::sim {
namespace {

struct Profile {
  std::vector<std::string> problems;
  std::vector<std::string> medications;
  bool penicillin = false;  // treated with a penicillin: never paired with a penicillin allergy
  bool scale2 = false;
};

const std::vector<Profile>& Profiles() {
  static const std::vector<Profile> kProfiles = {
      {{"Infective exacerbation of COPD", "Type 2 respiratory failure"},
       {"Salbutamol 5 mg nebulised QDS", "Ipratropium 500 micrograms nebulised QDS",
        "Prednisolone 30 mg OD", "Doxycycline 100 mg OD"},
       false,
       true},
      {{"Community-acquired pneumonia"},
       {"Amoxicillin 1 g TDS", "Clarithromycin 500 mg BD", "Paracetamol 1 g QDS"},
       true},
      {{"Cellulitis, left lower leg", "Type 2 diabetes mellitus"},
       {"Flucloxacillin 1 g QDS IV", "Metformin 500 mg BD"},
       true},
      {{"Decompensated heart failure", "Atrial fibrillation"},
       {"Furosemide 40 mg IV BD", "Bisoprolol 2.5 mg OD", "Apixaban 5 mg BD"}},
      {{"Urosepsis", "Acute kidney injury"},
       {"Gentamicin IV (level-guided)", "Hartmann's solution IV"}},
      {{"Pulmonary embolism"}, {"Apixaban 10 mg BD (loading)", "Paracetamol 1 g QDS PRN"}},
      {{"Upper gastrointestinal bleed"}, {"Omeprazole 40 mg IV BD"}},
      {{"Syncope under investigation"}, {}},
      {{"Diabetic ketoacidosis, resolving", "Type 1 diabetes mellitus"},
       {"Insulin glargine 18 units OD", "Insulin aspart with meals"}},
      {{"Acute asthma, moderate"}, {"Salbutamol 5 mg nebulised PRN", "Prednisolone 40 mg OD"}},
      {{"Transient ischaemic attack", "Hypertension"},
       {"Clopidogrel 75 mg OD", "Atorvastatin 80 mg ON", "Amlodipine 5 mg OD"}},
      {{"Chest pain, acute coronary syndrome excluded"}, {"Aspirin 75 mg OD"}},
      {{"Hyponatraemia"}, {}},
  };
  return kProfiles;
}

const char* const kFemale[] = {"Margaret", "Aisha",  "Mei",   "Sofia",  "Eleanor", "Priya",
                               "Grace",    "Fatima", "Olga",  "Hannah", "Niamh",   "Yuki",
                               "Joan",     "Amara",  "Lucia", "Ingrid", "Lin",     "Chloe"};
const char* const kMale[] = {"Arthur", "Rajesh", "Wei",    "Thomas",  "Kwame",   "George",
                             "Liam",   "Omar",   "Pavel",  "Hiroshi", "David",   "Patrick",
                             "Tunde",  "Peter",  "Carlos", "Jian",    "Ibrahim", "Henry"};
const char* const kFamily[] = {
    "Thompson", "Okafor", "Chen",      "Patel",   "Novak",     "Walsh",  "Haddad", "Kowalski",
    "Nakamura", "Osei",   "Fernández", "Murphy",  "Lindqvist", "Rahman", "Evans",  "Zhang",
    "Ibrahim",  "Moreau", "Byrne",     "Singh",   "Hughes",    "Kim",    "Rossi",  "Adeyemi",
    "Li",       "Wright", "Costa",     "O'Brien", "Yilmaz",    "Jones"};
const char* const kAllergies[] = {
    "Penicillin", "Codeine", "Latex", "Sulfonamides", "Iodinated contrast media",
    "NSAIDs",     "Morphine"};

template <size_t N>
std::vector<const char*> Shuffled(Rng& rng, const char* const (&pool)[N]) {
  std::vector<const char*> v(pool, pool + N);
  rng.Shuffle(v);
  return v;
}

}  // namespace

PatientRecord MakePatient(const WardLayout& layout, int index) {
  // Ward-wide decks (the same for every index) give distinct names and a spread of problems;
  // a per-patient generator picks the rest.
  Rng ward(Mix64(HashId(layout.ward_id) ^ layout.seed));
  const std::vector<const char*> family = Shuffled(ward, kFamily);
  const std::vector<const char*> female = Shuffled(ward, kFemale);
  const std::vector<const char*> male = Shuffled(ward, kMale);
  std::vector<int> deck;  // non-COPD profiles
  for (int i = 1; i < static_cast<int>(Profiles().size()); ++i) deck.push_back(i);
  ward.Shuffle(deck);

  Rng rng(Mix64(Mix64(HashId(layout.ward_id) ^ layout.seed) + static_cast<uint64_t>(index)));
  const size_t i = static_cast<size_t>(index);
  PatientRecord p;
  const bool is_female = rng.Chance(0.5);
  p.sex = is_female ? "female" : "male";
  const char* given = is_female ? female[i % female.size()] : male[i % male.size()];
  p.name = fmt::format("{} {}", given, family[i % family.size()]);
  p.mrn = fmt::format("{:08d}", 41000000 + index * 7919 + rng.Int(7919));
  // Acute medicine skews old: ages 19–94.
  const int age = 19 + static_cast<int>(75 * std::pow(rng.Uniform(), 0.6));
  p.birth_date = fmt::format("{:04d}-{:02d}-{:02d}", 2026 - age, 1 + rng.Int(12), 1 + rng.Int(28));

  // Beds 7, 19, 31, ... have COPD (spo2Scale 2): two in a ward of 24.
  const Profile& prof =
      index % 12 == 6 ? Profiles()[0] : Profiles()[deck[(i + i / 12 * 5) % deck.size()]];
  p.problems = prof.problems;
  p.medications = prof.medications;
  p.spo2_scale = prof.scale2 ? 2 : 1;
  if (rng.Chance(0.3)) {
    std::string a = kAllergies[rng.Int(static_cast<int>(std::size(kAllergies)))];
    if (prof.penicillin && a == "Penicillin") a = "Codeine";
    p.allergies.push_back(a);
  }
  return p;
}

}  // namespace lj::sim
