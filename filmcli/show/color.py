"""Colour science for the terminal renderer: sRGB to CIELAB, CIEDE2000, the xterm palette.

The 256-colour mode uses xterm colours 16..255 (the 16 system colours are skipped, terminals
redefine them), each the CIEDE2000-nearest to the wanted colour through a precomputed table
(`nearest_xterm`; `build_xterm_lut` is how the table was made). `to_rgb` brings any PIL
image to 8-bit sRGB (orientation, alpha, 16-bit and float greyscale, LAB) first.
"""

from __future__ import annotations

import base64
import zlib
from functools import lru_cache

import numpy as np
from PIL import Image, ImageOps

__all__ = [
    "RGB",
    "srgb_to_lab",
    "ciede2000",
    "xterm_palette",
    "build_xterm_lut",
    "nearest_xterm",
    "palette_index",
    "quantise",
    "to_rgb",
]

RGB = tuple[int, int, int]

_RGB2XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb) -> np.ndarray:
    """sRGB values 0..255 (any shape ending in 3) to CIELAB (D65)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _RGB2XYZ.T / _WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def ciede2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 colour difference between CIELAB arrays (broadcasting, last axis = L,a,b)."""
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    cc = c1p * c2p
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(cc == 0, 0.0, dh)
    dHp = 2 * np.sqrt(cc) * np.sin(np.radians(dh) / 2)
    Lbar = (L1 + L2) / 2
    Cbar = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(
        np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)
    )
    hbar = np.where(cc == 0, hsum, hbar)
    t = (
        1
        - 0.17 * np.cos(np.radians(hbar - 30))
        + 0.24 * np.cos(np.radians(2 * hbar))
        + 0.32 * np.cos(np.radians(3 * hbar + 6))
        - 0.20 * np.cos(np.radians(4 * hbar - 63))
    )
    dtheta = 30 * np.exp(-(((hbar - 275) / 25) ** 2))
    cb7 = Cbar**7
    rc = 2 * np.sqrt(cb7 / (cb7 + 25.0**7))
    sl = 1 + 0.015 * (Lbar - 50) ** 2 / np.sqrt(20 + (Lbar - 50) ** 2)
    sc = 1 + 0.045 * Cbar
    sh = 1 + 0.015 * Cbar * t
    rt = -np.sin(np.radians(2 * dtheta)) * rc
    tl, tc, th = dLp / sl, dCp / sc, dHp / sh
    return np.sqrt(np.maximum(tl * tl + tc * tc + th * th + rt * tc * th, 0.0))


def xterm_palette() -> np.ndarray:
    """The 256 xterm colours as a (256, 3) uint8 array (0..15 are the usual xterm defaults)."""
    system = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]  # fmt: skip
    levels = [0, 95, 135, 175, 215, 255]
    cube = [(r, g, b) for r in levels for g in levels for b in levels]
    grey = [(v, v, v) for v in range(8, 248, 10)]
    return np.array(system + cube + grey, dtype=np.uint8)


_PALETTE = xterm_palette()
_PAL240 = _PALETTE[16:].astype(np.float64)
_PAL240_LAB = srgb_to_lab(_PAL240)
_PAL_INDEX = {tuple(int(v) for v in rgb): i + 16 for i, rgb in enumerate(_PALETTE[16:])}


def build_xterm_lut(bins: int = 32, rgb_bins=None) -> np.ndarray:
    """Nearest xterm colour (index 0..239 into colours 16..255, CIEDE2000) for the centre of
    each bin of an RGB cube with `bins` bins per channel: a (bins, bins, bins) uint8 array.

    This is how the table embedded below was made (about 2 s for 32 bins).  `rgb_bins`
    (an (n, 3) array of bin indices) computes only those bins."""
    step = 256 / bins
    if rgb_bins is None:
        i = np.arange(bins)
        rgb_bins = np.stack(np.meshgrid(i, i, i, indexing="ij"), axis=-1).reshape(-1, 3)
    centres = (np.asarray(rgb_bins, dtype=np.float64) + 0.5) * step - 0.5
    out = np.array([], dtype=np.uint8)
    if len(centres):
        out = np.concatenate(
            [
                _nearest_exact(centres[i : i + 4096]).astype(np.uint8)
                for i in range(0, len(centres), 4096)
            ]
        )
    return out.reshape(-1, bins, bins, bins) if len(out) == bins**3 else out


def _nearest_exact(rgb: np.ndarray) -> np.ndarray:
    lab = srgb_to_lab(rgb).astype(np.float32)
    return ciede2000(lab[:, None, :], _PAL240_LAB[None].astype(np.float32)).argmin(axis=1)


# build_xterm_lut(32) as zlib + base85: 32 KiB of table in 7.8 KB of source.
# fmt: off
_XTERM_LUT_B85 = (
    "c-rmQ`=8Hs+6VAew=;>Y&2GExot=>x!x)Egnn6y@ux3b7m@y9J&^XNjgCb1~9h_$<gBU8x3ga+?<dme;Zq$}TsU%7N!d}<"
    "=eEfXA3~i75abLf_Uf%YHeZIaQ{q766YW!})yB+U;@Tym@{zXXsZ*oETmw0B*<LY11`%328AFp1c##i**G2}IB)T~+a?Af"
    "!mYSp%07kSN^weV__Q(}@^h1zw<)rG4OQmCO6YRZC{y9-KQ-&Iia`t|ky5$pjO)50AM8Z@X?>rT8n4dLq1BYFKh@SxCu<a"
    "a8$x1i^;(0~={g%ldm`#rh4;O@rz1Kd4$owZyqbizU->jAyc$bLX8Gzu*I;hx6y{z&dmc=y8n8SgJ}4{Eui(AfQeC^Yswz"
    "zdB-3ir|bE4ly0`_ujR-+%ADO`0_M8{9)$P79FV-=qmE+-E;<zgqYr0{{Q6f`8__n$I`mUq%0CiT~Te{MQciUpqqoX8xP;"
    "kM^*D{BNoMJO5Ak@ARwrZ+t`kyZtKus|EU3c;71jUj_L8D%Ag3cDMQbBffLzgsj^`{nzpOuN~yS)=l(ZC&0hD5B1#sYomV"
    "{fV#KTf5R~U4gcSNP@&sz-@nG&mw#E!`F$Uuf5F?8e-*j^YLWTB{g(Q#9pt~3&ikhLuc!LIgZk%r!@5=S-_Z6Qx&J$VUH^"
    "@4iT?+K{C5lU-|g4)@AMssf6yBp9UbgDFjskdzwiD2Ro*g}LRk#Deg4l1|J6MH&(Y)j)i_4rJZF9WSFi5#Unk7JmDdRS_d"
    "$)Y?*qes9gqJ8s{guy{u}=H{dex%$X~d%{yT>G@22|q7H*pV<VgJ!zBlOqua^I)sHo^@u>iL3s3<ZJ(SiT{PRpJDzK^bwf"
    "5w~S;*V3nv4a1(xDfwwa4lN2aQFv&=g*(#^q_-yTDG+P*ADYv`+EG>_4}{m@o#+})T09sx&H<?&%c)c-d%9=?#Olf{F6c_"
    "<@><=K<F6ezoY5D{jcHwkH1;}J!GL5=DiL7RIu$cN)&D^r@EcF`ulF=QmEh^t@xL5OswP|7iZ5yOl)lIImLe*_s`;(STYd"
    "j$+3YT*Ag!#CZ>iQ2u@GzLrb6kI)4AYeQ*`(`u&T%o;Co~KQFYE{_AP}C4Yy1_dd85#OJ?tr2abx`d9ybpz_rQ!ti~US&("
    "`AApgl>{*y!eD}1{;{nJ7hvmkTjZ{US)!ha9RyO-ksp@;6X3#xya_wf4X0}$P`Y107TH=akyys7*9{;bT!A8$s0O8+!(3h"
    "4tfX8tK}l0N{4aWfJ-{I^hJ%wuEE`~5=-x-h+PAx<ffyrt&<Lcl)gyd{5+e|sMig#X%>e;9y-1d0#o3I1){)@{dmvRvA1("
    "-u$9>zlvsithxCx4jPu36}qc(m&PLf!gcn@ZVnLtrQ%5MM3v3{syg}<j#VoPw1rfH2<E0!50f%)k0&>1H7Q*&Vt6br^Z+J"
    "?<vR}3q7&W3k$t_JN+|2NT?YxqUO<d9us9f!188+IsfA{KWpX9*dLEk_|yCWB}boJ_c=8evEu(c<EzE0|2WGx&tp-)%YVy"
    "w64$74;Q}w{`w&m}gYy2G;3YAc2iS*r)4y*Y5)u*=|1xjI{iDA-TDPV@|BQdzcI{emox~?8G-!iI`Ah%wfjd}(^X7k^6za"
    "=@@ZU;*z$$3^I&?sL9nl`z>@5AacNR4NSm;0tchdqsk!U}l`A-ZfX!^QvzDTbd^6%8xSNJn6D0wpGT`*S)Nm?!+;Dw~5q`"
    "*P|U&Ft<pyWL;?}>RY%zF#}sg404M4H7o{5tYf+dqqG9u=0SI{nN1tTRWyX$pUti<tZ8yv;b!zsO@HZ>N7&_*yBjnCG!yl"
    "k?=ncg>p3o7bwPeSg%A=lhXB{kK;56aVq8@CZJ*)=007<c<DGUQgt$RsJ$p3asJG@e6|%#6GaxDDa>EhKUqld%_R+cIb#l"
    "@FM@tiL^lS_L$#A3w$6Ftq1P9TP-AN4;TgFUweQrh$t|A$%LQaEB!N{$%b!HNYV;ju+UX4B(XxW@i*{7Qj+IyU<EhduE-b"
    "pKh(Xu-!~SzvqBG2u>3z1We<Sgw>M9X_5qFZ41|#@1EBkkvIfHNpN8?dbE#S`fv2UV@vr;n=r}c({?GgU$6Nm0zES_zH|!"
    "rSA)$Hm=HGlH3M`HnG3xy0qP`E16MwA~|2lu_lNShY$3CbJuqTY%Q;>Q41Y<$izaJ7QK<Qi9>@56ixiJulL4|wFTrJQic<"
    "w7Of0QTk?SOo{;el@A9}6<?(p46ifBgZykfc43ECzxXk{l1v1)+uR6foi2qbK?WzP-BQ03d(#jfEb<cTeHF_uqKl-FkrJO"
    "`s5w-_+F9$o;zW)a%PF|FmG|X*5rl4_N-w&PS!gr5bsR$Z;Vqq^I{c{Ks5}f1x|bfAi*Xx^E?q1^nOm{o?>!#4~f#_eHeX"
    "qJ`Ukg2mtPEe9gVe;bE?_dv93$NU-oI~o2H+v|mnqL64kApP69QRpOdPvIWsPtn&w_5XyHOW&f9WIxbVEhKp!;Dw}+0`=Q"
    "n^6lA$`$zsyX*n&RZ{*!u?1TP5FSWpR`F>y{%A+F4Q|;XLZU2C$=nq&w;3+97%s(kuIp~H0@ehSQeVR7y+gFME5&su3Pwx"
    "+>`h~P#d>SoWpoK{MyL~suGjqjv>^H)HoHHMEk^7Ic{nPIQT!?Sm$oJ#rKD3J5e^4&{o4K!`=}TbvGC*D?>K#5jF=QZo{y"
    "Q1|eT5MJoi%;!RsW-r{}UeHr0^HH525~(ZifG4uYafS>+<jU0gloO*Og1ZBJX4RPtgmQ_tpH<LMkov0l<A#!2MEaAzkEsA"
    "n*HkJdD9NHkkiZE$@d%c&7{h{re0UFo5R$WUdw<SAEkw?Q33$iyPqbofet@xQP9?(DOlf7r%v5{=Djc5Y_qZw{6s4@5uc-"
    "3jzLl&h!l(Iu!j6Lwp&8e`aRew!@|Wp{oB3IS_g-1|p;C{%L{f8!^K4KYBFs7rsfJJQ53|WZ^+0Pv*H;kU;;Vm3)M=!2OR"
    "IgM7zw|Gk+1r-Xl!)516`jAw=J+5<hb9199R@Yjd_KvG~tkUQ`D0LFh8ep97S0#pd>M|rAwUnTF?PxCE&(ijOc-xFMUKbA"
    "uy-Iu4)LZE-T50p3h9uVRm?qPEA!oOKCbJ~!33rMwnNCW*B*?{1JJZ$(Mr1<B+;|>4c690qYT0Djq|M=sNKSHk6AW`@Z^T"
    "8y440FB@a76ESfLF;q{_TAj>L@@y1P}S+4TH<bK;4;mz<)TVbRS?LFz=8d8|prg1sOKX7zmLkl7VSIOkEIdABGOq{j&wh%"
    "3}WEl1GjN;G;&3>N*;a_|HmG@?^}RfH+w}@MZZ(nu~!*QVPk+1H545a$(p&2)+n->{tLkZX5s}KYn~~<gfTf;F$Ns916XA"
    "Yy05HiGS56@u36M_?daXi1L)MJVo>E$Wx*wOwe<~e@c2-PW@{G;P#In00RR2YXdNFU|Qfnh+HWs`9PVQ1Hp4X4{6lDl@s2"
    "o|G|cDdd&ZKaL$|+2JwQCw_*b_sCDZ{zt{HR5#fKR<-Z;GKV*pXj{_k24|nFQA#-&=^a739fUpHY{$xR5AK1R|0kIY&iyr"
    "YkVk92;A4UBGf0id1xh&8)Nh#of$OX}JxiEY|Sgb6JTo5cgNsjm*GiEFv_#Zb4{EvSMkH##=ff$PeF%I+IO5WYbdyxX{1L"
    "HR##BZ?A2=WOL`PP5H6~F2Ot~{L;{Qhad@}HBF!~cOWLHfr5cv$$)$qDnHa~=NsyZsvjVednM_JHR9ku>2SV&FSq0P-9t@"
    "<*iZ5dV)p`lu|}`JnINT)8M*f@>plr|(RUfAN8knW_7?2O?ATuRov-1kW7{f{g(GsQU>$HwNMf?%#eu3`Caa0bby_x-ja3"
    "Q2$Sw{zqy4c`gg%_&_}Aet_gy(0$rJpgO;Rd_q-nQRrg=4a>9j!bFHCss6L!xc>>M6DLmWGieeOCQp|Bu|oWl0hkE+fB};"
    "yPk#8}DO08l%)!e}5Aux-Yaon$$hi*x{hfJ1f&GA<lZKgF{s#{Z@ck&~@ALgV_dnR<ANgNW9?*OaBKR&{`XMv(F;}kpA3o"
    "geTPq9+8VEZ#24eVd&F4_mH;m%UC<5J?3$j86!r^<AIuKbQ1CbRn5Srf+$akdbe^HQc+y5B1|A_ofxEc9GGtbrw;Iq%9Nv"
    "dzcm*&JT1w0uK;wjk-I4xj436JF9m*&~oxw)R4@`pS(-OQ)ZoGb+9>3Mnmtq=GddQ>khXgS*lUa$s$?}Kw76yH?0?c3l#V"
    "+Q0im3%t80&+9pX3m^Bc<`)QF8>9F|HqvEwSfrp&(hg=g9go+Gw0F|aDxZWoeS}E&k6stXQR$JMCT8%51Di4J_qOW9g+Xc"
    "Q2)yJK~~oDa3h8eoi}gfuwnD(kIKj>Dgyrt76|_k!_7mT^C?a&Jh31vU?7S@{VTbr!1%uK!VBpCMfCp?`hR)+_|c;mEfW4"
    "oJ_hr#FQM<3DQ}UR1MxERpPi!cBEOIP2a*EQ_z8ak;1o5NJ{hon#Gm1Jk_M3Zo#65-@@zGq==2?y=X!GKKUe)9;P9WDo0o"
    "^c^Yim<|G8QL;;B=$oEFmM15>duZQ4LK544a@9>~YSR4h!JHcjjU^)DX49O7v}oAW2SXXJtJ{QOz7W{KSPKXc|Ryr<!&y9"
    "*-MeHVQH{UtsixFAnU|FaGM>;vH$a<l0H|2fG2hq-v@`#CEojmv7z_JJ(KoH?lX@?{(dk`D<O2yGu+0|9v<-jL_%&4ZhdS"
    "A@3!kK}Y8Xs#4+9}2}j;6gwQ`v3#N2SV-x9gq=xK=?p}`Co{a^#Z*Y;l{oMH|k|L<i7|~whyoXA|HqO_(j@2;6h-Ig>hIw"
    "|BEz!(ud)*in;CA$g{)pC9Yicy~Hsfnt%NRK>E+t{O7s+XDj~m@{ni#)Ts=h<)7yHMs5|%JSQwK5Cttqx@kEQFXZSy-|#O"
    "B9{&X%|I_V(&>oQfaR3SmKtCxAW_e`(pHck(a2ZY%o^cEWFDUsCwUCkV?2r5dLi(p)7}`KQ$NU!-8omYp1@2r9gqAx7qEH"
    "(U9Ef>15c5ajK7fA`$^jXH12S^H{KQyDPx^lmeZPdh7cu|7{ADXQ3OEoNFR#DQe94XYRr4jD4|tI;3HBY9=hB6kX#T(}{-"
    "FSRCQi)Hr}<RwfAQkQZr@Y6Pc_f0g8$q|{O9TZX^NMdtNWiS{1-U=&$9g612NrGuyWTx2>;S|0rH<Y6Zy`X<@7E1tG?BNx"
    "P1B9XP@PTXIumEBb<@zg)4A$APQB$8ehU+&m99%7%~urAp_yc)xtsxxaPlTVaPx%3>gTWm;HepS)Lu9FR5zo_AC99!csE_"
    "yNj8BEG&h>vSrIAEnmJ|=FB$~^7580g*ZPSa`3Za#Wc#_<D2{Ed9EkVDGteVii=$Z)qiPlUQkeq4fM|jK=Hqt(kzv{O}_="
    "#>z@~<hYW;>H^5<`Odkl#cbW7**X{pV&fno%@c)q&oc@vj6`FH@Z=$~0vjN{6g73<epB5}o^1=}RzJVwV8HmD=fmo;lejf"
    "SG1HJR-Q@uq+S{~rv901Gz688tT%$Ee@*^%Z;19IXQ3(FM$%<mFfSjzn(;N=jn;C^WVa`d}w8OF<3z)9acU+T$;e>I<qd2"
    "w;E@Q?doe&8eBV($k6@mY*V^Oe>I0MoA(R+%{#N=rz-lIO3`d^Mj3IB2ZF!YU}d@(L7QeRbMudZ@p&bjF%BGiIz^i~80nK"
    "532(qSwlU24Z^PKs^2Q`t|Dt{|yCYa5H9X+z9a|%wNZx9LYCeUbYc#6Wr@?4*zAqe<St(y5IlYi2Tpx`I~sNXK&uT8R9Kl"
    "uKWZC@!N7A-o%C2ycu+EAvk}6eOU1J+t=w||4$5R?imOc{sRu<ZQCGz2mH_9z8&HnJB06lAn$F+`yKSXo${8sXCM|!e&pv"
    "-^|hS(((|R5FPp>xSw3mLOwFO8<Vzj-;w93rGta$|T=Biw@bAcT)d3Ov!2B;RAqB}ZAHNT#u9!w}L#3pI=p;N<pT+D-O0c"
    "n#@{~SbE!GMvv9JmYuV4Xkz8~P97cgIiImEAmT{;iwzhn*gU%A%EiGR#X*Wj&%o4F2d)@yL9#X#@^$+0jC3v3_gLeK@Vat"
    "d62VvvQw90~;YbVE1cO?<x|;D3{v`v$_{zwE~!uV9V?A@gV4{@)<?CcVvgTi}rYPjBP7bJDoVbG8q#5SYV2Y}o>OuU^&m!"
    "7~uS{ueCRibwdvZNqy94)lZn9dIPyYUb}?zMbZ59^hafw!uO`4EwNsJNn-dp}+rjzBnxReE{&hq{Pk@|A@<(Gyf%|AbC=s"
    "E4W{pm#oxy5`c<syP)_F%S%f|LCZlV%cXxDfORs*E7kq4MgQwm|E_|XvxfBmp9lVlp)Jg7%>M?7x0Lu_i+tB9zP$sX^SAx"
    "44;cuD|FSaBPjc9YH&ozW|7H$_t5>gDxjGP6X+h7GLQ&CMKf^#2h78136}awuhxETSz<=;S{6>72ED82oQXZ1Cg7twfeV2"
    "#iSO7gsm#$i+``-y?^3;85xzq2?$o!W?;$Qm!SS@nWkp9=H{)?Ud*M<03bF*OOo`Ep=mu_4G{MX_DtXn7iZivvoU0ClJh>"
    "eQ>^&tb{^j(JhH*HdUD+N`zE9Zr`-g?W*)q(gK&YiPD(Y0&WxPJw>=HHR)g{>h2!T$eWZUQxYgy!W{%S+13!}1Wnw6M#}c"
    "kUGav9JpYyLUsrN8~%XZzzDCUDWp;^tG4x6aGo=^640ei2T3e^shZ&_}}NrOSyl20I1J{2TK*bD_y=zuh%~>tacRC{Ma#`"
    "zyE%jTG)j7>(=){*>R%xgyDNbg#N9<`jCMT@kel&e~g7w;sLk+Qy%|vAl{<<MQ#nm&$@rdKmh-1kW0W2Z`%ej@ZGWn`Chy"
    "B%hr&A*cvhr!e_brAJCEK<&osOJb6jE;@9-aeU}4Y;ui{g_CRCrUg;O}a>#e>#@mCp7f$--`7TdR{nH%$;{fd4`zqzn3vR"
    "zb9|)LNRPcPC+jm7pMP;Qd?04i9?~%qnEbPa^0f^sym-(-#C@p;t8*8wz777OrzyQ4a?rR6h5t>jye1{Jsza!GG(jdIeoK"
    "_V7vY_}^3Nk+m{*N*JaF8E|`~&5IW9&ANLfP@-$3KAEc;W;sz=t1xsDB^4kNcnu#D~s*9~=+zZw|!ClP3lLk2ZV^2l|o!C"
    "!aw4Ddyxz{t@OMpTheD?o+roJOcszKlvogznWWxYs^2nf8jy=*=G=+J`M4iGuM8B<GdjT-k*I2yicD7-e=ArZ<(_Ju>4bA"
    "#3%WAq`r2euRY7T50(>uyJWsc`Z4p}{(P4!r+mx(c}Z1s&p_<72SViFe=piKJ`e~`z7I$fE7Y&#NqmCe3VM)ZV;>gwW8uJ"
    "o1L*f%mRD4g!agkQ-%tEPLCH}!92PL&kNE+}4<6(>X&i$5u%6?Qd4R&9Lx<Mv!vQ#Q1o<63di3Byu@F$e90r0HAZPQS7L1"
    "(j!$CSR<^#+>(S0265b!>H7<?Z&0=|!O|L=<i`v2er9^@Y$JEk>wf#f(4)Hdt~*#|igWI#6Y+%*t%K?v^kF5QIpry75U|C"
    "1pDVfYrjPyPJ!HONE#|C8Lm=zWHF8V>ZIIfMLvap$McoM8<TZ&mYcn7>2v9XmePeER)VH7}`Z9^$)FdBEwrGQ@vnrTYV+f"
    "(<|=DS)nByFl0O-3Jcvec=9?PPbp0SBhNt6u#vH?%e0U!uF2?a76b{a^n9G<cAL*!8@w@Ck4z89aakm?ShuCmW5KQaFqBz"
    "M)gy?P(c5O(f<+YUlx4+Jp*wpXdsk*pbMdVVz2>m>OM~VpRoKp2I8b=Ab8<q$UwZ|8HiJ-KtJUFRDtWh75~osjFnph@%hd"
    "2UwLzKug^;J0V}Tz%PYh3O5uAq^{x1)d@<j*%l650zu%peVZJNfz8(H$LCX#QH~>eP{|d|he$)4RVg8MRl`94Hfn&!oll+"
    "N)`2lcL#U13|S2z|l5c)ni2g0=bKJsV&PYAysMd;ryoD3O=lOY4)_k9X^^V}?${@nxd`RAYi2jn<W*#"
)
# fmt: on


@lru_cache(maxsize=1)
def _xterm_lut() -> np.ndarray:
    raw = zlib.decompress(base64.b85decode("".join(_XTERM_LUT_B85)))
    lut = np.frombuffer(raw, dtype=np.uint8).reshape(32, 32, 32) + np.uint8(16)
    lut.setflags(write=False)
    return lut


def nearest_xterm(rgb, exact: bool = False) -> np.ndarray:
    """Index (16..255) of the perceptually nearest xterm colour for each sRGB colour.

    Perceptual = smallest CIEDE2000 difference.  By default a precomputed 32x32x32 table is
    used (the winner for the centre of the colour's bin; it agrees with the exact search for
    about 87 % of random colours and costs 0.09 CIEDE2000 on average); exact=True searches
    all 240 colours.  The 16 system colours are skipped because terminals redefine them.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    if exact:
        return (_nearest_exact(rgb.reshape(-1, 3)) + 16).reshape(rgb.shape[:-1])
    q = np.clip(np.rint(rgb), 0, 255).astype(np.intp) >> 3
    flat = (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]
    return _xterm_lut().ravel().take(flat)


def palette_index(rgb: RGB) -> int:
    """The xterm colour number (16..255) of an (r, g, b): its own when it is a palette
    colour, else the perceptually nearest."""
    idx = _PAL_INDEX.get(tuple(rgb))
    if idx is None:
        idx = int(nearest_xterm(np.array(rgb, dtype=np.float64)))
    return idx


_PAL_F = _PALETTE.astype(np.float64)


def quantise(rgb: np.ndarray) -> np.ndarray:
    """Colours (any shape ending in 3) replaced by their nearest xterm colours, as floats."""
    return _PAL_F[nearest_xterm(rgb)]


# --------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------


def to_rgb(img: Image.Image, background: RGB = (0, 0, 0)) -> Image.Image:
    """Any PIL image as 8-bit RGB: EXIF orientation applied, alpha composited onto background,
    16-bit / integer / float greyscale scaled into 0..255."""
    try:
        if img.format and img.getexif().get(0x0112, 1) != 1:
            img = ImageOps.exif_transpose(img)
    except Exception:  # broken EXIF must never stop a preview
        pass
    mode = img.mode
    if mode == "RGB":
        return img
    if mode == "P" and "transparency" not in img.info:
        return img.convert("RGB")
    if mode in ("P", "PA", "RGBa", "La"):  # palette / premultiplied alpha: to plain alpha
        img = img.convert("LA" if mode == "La" else "RGBA")
        mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16"):
            a = a / 257.0
        elif mode == "I":
            top = float(a.max()) if a.size else 0.0
            a = a / 257.0 if top > 255 else a
        else:  # F: 0..1 or 0..255
            top = float(np.abs(a).max()) if a.size else 0.0
            a = a * 255.0 if top <= 1.0 else a
        a = np.clip(np.nan_to_num(a), 0, 255).round().astype(np.uint8)
        return Image.fromarray(a, "L").convert("RGB")
    if mode in ("RGBA", "LA"):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if mode == "LAB":
        from PIL import ImageCms

        rgb = ImageCms.applyTransform(
            img,
            ImageCms.buildTransformFromOpenProfiles(
                ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
            ),
        )
        assert rgb is not None  # None only with inPlace=True
        return rgb
    return img.convert("RGB")
