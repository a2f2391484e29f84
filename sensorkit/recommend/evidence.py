"""The sources behind the recommender's advice, each with its kind of evidence.

Every piece of advice carries an evidence grade and the citations it rests on. Grades, from
the strongest to the weakest kind of support:

``systematic review``
    A review (with meta-analysis where possible) of randomised trials.
``trial``
    A randomised controlled trial, or a summary of several.
``observational``
    A prospective cohort or cross-sectional study: an association, not an effect.
``laboratory``
    A laboratory experiment on biomechanics (short-term, not injuries or pain).
``expert opinion``
    A narrative review or consensus proposal.
``guide``
    The insole-selection guide the categories come from
    (``domain/insoles-for-back-pain-running.txt``): a consumer guide, no better than expert
    opinion.

No rule cites sensorkit itself: the project's own conventions are named as such in the advice
text, never as evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CITATIONS", "GRADES", "Citation", "cite"]

GRADES = ("systematic review", "trial", "observational", "laboratory", "expert opinion", "guide")


@dataclass(frozen=True)
class Citation:
    """One source.

    Attributes
    ----------
    key : str
        Short identifier (``"malisoux2020"``).
    authors : str
        Authors as cited (``"Malisoux L, Delattre N, Urhausen A, Theisen D"``).
    year : int or None
        Publication year (None: undated).
    title : str
    journal : str
        Journal with volume and pages (or the document, for the guide).
    grade : str
        One of :data:`GRADES`.
    finding : str
        What the source found that the advice uses, in one sentence.
    """

    key: str
    authors: str
    year: int | None
    title: str
    journal: str
    grade: str
    finding: str

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ValueError(f"citation {self.key!r}: grade must be one of {GRADES}, not {self.grade!r}")

    @property
    def short(self) -> str:
        """``"Malisoux et al. 2020"`` style (two authors: ``"Prado-Rico & Duarte 2019"``)."""
        names = [a.strip().rsplit(" ", 1)[0] for a in self.authors.split(",")]  # surnames without initials
        if self.grade == "guide":
            return "insole guide"
        if len(names) == 2:
            return f"{names[0]} & {names[1]} {self.year}"
        return f"{names[0]}{' et al.' if len(names) > 2 else ''} {self.year}"

    def text(self) -> str:
        """Full reference: authors (year). Title. Journal."""
        year = "n.d." if self.year is None else str(self.year)
        return f"{self.authors} ({year}). {self.title}. {self.journal}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


_ALL = (
    Citation(
        "sahar2007",
        "Sahar T, Cohen MJ, Ne'eman V, Kandel L, Odebiyi DO, Lev I, Brezis M, Lahad A",
        2007,
        "Insoles for prevention and treatment of back pain",
        "Cochrane Database of Systematic Reviews (4):CD005275",
        "systematic review",
        "Strong evidence that insoles do not prevent back pain; their effect in treating it is unclear.",
    ),
    Citation(
        "chuter2014",
        "Chuter V, Spink M, Searle A, Ho A",
        2014,
        "The effectiveness of shoe insoles for the prevention and treatment of low back pain: a systematic "
        "review and meta-analysis of randomised controlled trials",
        "BMC Musculoskeletal Disorders 15:140",
        "systematic review",
        "Insoles were not effective for preventing low back pain; evidence for treating it was limited.",
    ),
    Citation(
        "knapik2014",
        "Knapik JJ, Trone DW, Tchandja J, Jones BH",
        2014,
        "Injury-reduction effectiveness of prescribing running shoes on the basis of foot arch height: "
        "summary of military investigations",
        "Journal of Orthopaedic & Sports Physical Therapy 44(10):805-812",
        "trial",
        "In three large randomised trials, choosing shoes by arch height did not reduce injuries.",
    ),
    Citation(
        "nielsen2014",
        "Nielsen RO, Buist I, Parner ET, Nohr EA, Sorensen H, Lind M, Rasmussen S",
        2014,
        "Foot pronation is not associated with increased injury risk in novice runners wearing a neutral "
        "shoe: a 1-year prospective cohort study",
        "British Journal of Sports Medicine 48(6):440-447",
        "observational",
        "Pronated feet in neutral shoes did not have more injuries than neutral feet.",
    ),
    Citation(
        "malisoux2020",
        "Malisoux L, Delattre N, Urhausen A, Theisen D",
        2020,
        "Shoe cushioning influences the running injury risk according to body mass: a randomized controlled "
        "trial involving 848 recreational runners",
        "American Journal of Sports Medicine 48(2):473-480",
        "trial",
        "Shoes with a softer midsole went with a lower injury risk in lighter runners and made no "
        "difference in heavier runners (shoes, not insoles): it does not support denser foam for heavier "
        "runners.",
    ),
    Citation(
        "orsama2014",
        "Orsama AL, Mattila E, Ermes M, van Gils M, Wansink B, Korhonen I",
        2014,
        "Weight rhythms: weight increases during weekends and decreases during weekdays",
        "Obesity Facts 7(1):36-47",
        "observational",
        "Daily weights of 80 adults over 15-330 days were higher early in the week (Sunday, Monday) and "
        "fell over the weekdays: a weekly rhythm to be taken as normal, not as weight gain.",
    ),
    Citation(
        "turicchi2020",
        "Turicchi J, O'Driscoll R, Horgan G, Duarte C, Palmeira AL, Larsen SC, Heitmann BL, Stubbs J",
        2020,
        "Weekly, seasonal and holiday body weight fluctuation patterns among individuals engaged in a "
        "European multi-centre behavioural weight loss maintenance intervention",
        "PLoS ONE 15(4):e0232152",
        "observational",
        "Body weight of 1,421 adults in a weight-loss maintenance trial fluctuated by 0.35 % within the "
        "week (gained at weekends, lost on weekdays).",
    ),
    Citation(
        "nigg2015",
        "Nigg BM, Baltich J, Hoerzer S, Enders H",
        2015,
        "Running shoes and running injuries: mythbusting and a proposal for two new paradigms: "
        "'preferred movement path' and 'comfort filter'",
        "British Journal of Sports Medicine 49(20):1290-1294",
        "expert opinion",
        "Proposes choosing footwear and inserts by comfort, since foot-type and impact-based selection "
        "lack support.",
    ),
    Citation(
        "mundermann2003",
        "Mundermann A, Nigg BM, Humble RN, Stefanyshyn DJ",
        2003,
        "Orthotic comfort is related to kinematics, kinetics, and EMG in recreational runners",
        "Medicine & Science in Sports & Exercise 35(10):1710-1719",
        "laboratory",
        "Runners' comfort ratings of inserts went with measurable differences in their mechanics.",
    ),
    Citation(
        "decock2008",
        "De Cock A, Vanrenterghem J, Willems T, Witvrouw E, De Clercq D",
        2008,
        "The trajectory of the centre of pressure during barefoot running as a potential measure for foot "
        "function",
        "Gait & Posture 27(4):669-675",
        "observational",
        "Low-arched feet had a more lateral centre of pressure, against the usual 'flat foot = medial load' "
        "assumption.",
    ),
    Citation(
        "buldt2018",
        "Buldt AK, Forghany S, Landorf KB, Murley GS, Levinger P, Menz HB",
        2018,
        "Centre of pressure characteristics in normal, planus and cavus feet",
        "Journal of Foot and Ankle Research 11:3",
        "observational",
        "The COP excursion index did not differ between normal, planus and cavus feet.",
    ),
    Citation(
        "davis2016",
        "Davis IS, Bowser BJ, Mullineaux DR",
        2016,
        "Greater vertical impact loading in female runners with medically diagnosed injuries: a prospective "
        "investigation",
        "British Journal of Sports Medicine 50(14):887-892",
        "observational",
        "Force-plate VALR above 66 BW/s went with higher odds of injury in female rearfoot strikers.",
    ),
    Citation(
        "heiderscheit2011",
        "Heiderscheit BC, Chumanov ES, Michalski MP, Wille CM, Ryan MB",
        2011,
        "Effects of step rate manipulation on joint mechanics during running",
        "Medicine & Science in Sports & Exercise 43(2):296-302",
        "laboratory",
        "A 5-10 % higher step rate reduced hip and knee loading while running.",
    ),
    Citation(
        "herzog1989",
        "Herzog W, Nigg BM, Read LJ, Olsson E",
        1989,
        "Asymmetries in ground reaction force patterns in normal human gait",
        "Medicine & Science in Sports & Exercise 21(1):110-114",
        "observational",
        "In 62 healthy walkers on a force plate, the limits holding 95 % of the symmetry indices of 34 gait "
        "variables ranged from +/-4 % to over +/-13,000 %, largest for values near zero or at different "
        "instants of the cycle.",
    ),
    Citation(
        "sadeghi2000",
        "Sadeghi H, Allard P, Prince F, Labelle H",
        2000,
        "Symmetry and limb dominance in able-bodied gait: a review",
        "Gait & Posture 12(1):34-45",
        "expert opinion",
        "Gait symmetry has often been assumed, but many studies found the lower limbs of able-bodied "
        "people to behave asymmetrically, read as natural functional differences between the limbs "
        "(propulsion and control); the review gives no limit of normal asymmetry.",
    ),
    Citation(
        "patterson2008",
        "Patterson KK, Parafianowicz I, Danells CJ, Closson V, Verrier MC, Staines WR, Black SE, McIlroy WE",
        2008,
        "Gait asymmetry in community-ambulating stroke survivors",
        "Archives of Physical Medicine and Rehabilitation 89(2):304-310",
        "observational",
        "Judged the temporal symmetry of 54 stroke survivors against a normative range of 0.9-1.1 for "
        "an overall temporal symmetry ratio, a 95 % interval around the mean of 24 healthy controls "
        "walking overground.",
    ),
    Citation(
        "pradorico2019",
        "Prado-Rico JM, Duarte M",
        2019,
        "Asymmetry of body weight distribution during quiet and relaxed standing tasks",
        "Motor Control 23(4):553-565",
        "observational",
        "41 healthy young adults, each foot on its own force plate, stood with a small left-right "
        "asymmetry on average in quiet and relaxed standing; in relaxed standing they alternated between "
        "postures and were largely asymmetric instant by instant.",
    ),
    Citation(
        "renner2019",
        "Renner KE, Williams DSB, Queen RM",
        2019,
        "The reliability and validity of the Loadsol under various walking and running conditions",
        "Sensors 19(2):265",
        "observational",
        "Insole loading rates depend on the sampling rate; about 200 Hz or more is needed.",
    ),
    Citation(
        "keller1996",
        "Keller TS, Weisberger AM, Ray JL, Hasan SS, Shiavi RG, Spengler DM",
        1996,
        "Relationship between vertical ground reaction force and speed during walking, slow jogging, "
        "and running",
        "Clinical Biomechanics 11(5):253-259",
        "observational",
        "The peak vertical ground reaction force rises linearly with speed in walking and running "
        "(1.2 to about 2.5 BW), and the loading rate with it.",
    ),
    Citation(
        "guide",
        "Unsigned consumer article",
        None,
        "Insoles for back pain running",
        "Web article, no author, date or publisher given",
        "guide",
        "Categories of insoles (arch support, cushioning, firmness, material) and the care advice: break in "
        "gradually, fit, replace every 6-12 months, strength and mobility, see a professional for severe or "
        "persistent pain.",
    ),
)

#: Every citation by key.
CITATIONS: dict[str, Citation] = {c.key: c for c in _ALL}


def cite(*keys: str) -> tuple[Citation, ...]:
    """The citations of ``keys`` (KeyError for an unknown key: advice never cites a missing source)."""
    return tuple(CITATIONS[k] for k in keys)
